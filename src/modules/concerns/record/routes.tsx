import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldErrors, ValidationError } from '../../../errors.ts';
import { csvTime, londonToday } from '../../../ui/format.ts';
import { joinDateParts } from '../../../validation.ts';
import { readMultipartForm } from '../../../web/multipart.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { can } from '../../auth/authorize.ts';
import { concernRecord } from '../service.ts';
import { CONCERN_STATUSES, typeLabel } from '../types.ts';
import * as service from './service.ts';
import {
  ActionPage,
  AssignPage,
  AttachPage,
  CloseConcernPage,
  CloseConfirmPage,
  ConcernListPage,
  ConcernRecordPage,
  CorrectionPage,
  PersonPage,
  ReopenConcernPage,
} from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const ref = (request: FastifyRequest) => (request.params as { ref: string }).ref;
const concernPath = (reference: string, rest = '') => `/concerns/${reference}${rest}`;

/** The CSV's columns: the list's facts and dates, never what was reported or who it is about. */
const CSV_COLUMNS: [string, (r: service.ConcernListRow) => string | number | null][] = [
  ['Reference', (r) => r.reference],
  ['Type', (r) => typeLabel(r.type)],
  ['School', (r) => r.schoolName],
  ['Status', (r) => CONCERN_STATUSES[r.status].label],
  ['Urgent', (r) => (r.urgent ? 'Yes' : 'No')],
  ['Happened at (UK time)', (r) => csvTime(r.occurredAt)],
  ['Reported at (UK time)', (r) => csvTime(r.createdAt)],
  ['Last updated (UK time)', (r) => csvTime(r.updatedAt)],
  ['Closed at (UK time)', (r) => csvTime(r.closedAt)],
  ['Assigned to', (r) => r.assigneeName],
];

export async function concernRecordRoutes(app: FastifyInstance) {
  /** The record page, with the non-compliance link for those who may record one. */
  function recordPage(
    request: FastifyRequest,
    record: Awaited<ReturnType<typeof concernRecord>>,
    extra: { linkedVisible?: Set<string>; errors?: FieldErrors; values?: Body } = {},
  ) {
    const { concern } = record;
    const canRecordNonCompliance = can(request.ctx().actor, 'noncompliance.manage', { trustId: concern.trustId, schoolIds: [concern.schoolId] });
    return <ConcernRecordPage record={record} now={new Date()} canRecordNonCompliance={canRecordNonCompliance} {...extra} />;
  }

  /** The record page again, with an error from one of its own forms (a refused status move, an empty note). */
  async function recordWithErrors(request: FastifyRequest, reply: FastifyReply, error: ValidationError, values?: Body) {
    const record = await concernRecord(request.ctx(), ref(request));
    return renderPage(request, reply, recordPage(request, record, { errors: error.fieldErrors, values }), 422);
  }

  app.get('/concerns', async (request, reply) => {
    const ctx = request.ctx();
    const q = service.concernListQuery.parse(request.query ?? {});
    const data = await service.listConcerns(ctx, q);
    return renderPage(request, reply, <ConcernListPage data={data} now={new Date()} isPerson={ctx.actor.type === 'person'} />);
  });

  app.get('/concerns.csv', async (request, reply) => {
    const ctx = request.ctx();
    const q = service.concernListQuery.parse(request.query ?? {});
    const rows = await service.exportConcerns(ctx, q);
    const csv = BOM + csvLine(CSV_COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="concerns-${londonToday()}.csv"`)
      .send(csv);
  });

  app.get('/concerns/:ref', async (request, reply) => {
    const ctx = request.ctx();
    const record = await concernRecord(ctx, ref(request));
    const linkedVisible = record.limited
      ? new Set<string>()
      : await service.visibleLinked(
          ctx,
          record.linkedConcerns.map((l) => l.id),
        );
    return renderPage(request, reply, recordPage(request, record, { linkedVisible }));
  });

  // Status: one step at a time. Closing goes through a confirmation page; reopening needs a reason.
  app.get('/concerns/:ref/close', async (request, reply) => {
    const concern = await service.triageConcern(request.ctx(), ref(request));
    if (concern.status !== 'in_progress') return reply.redirect(concernPath(concern.reference), 303);
    return renderPage(request, reply, <CloseConcernPage concern={concern} />);
  });

  app.get('/concerns/:ref/reopen', async (request, reply) => {
    const concern = await service.triageConcern(request.ctx(), ref(request));
    if (concern.status !== 'closed') return reply.redirect(concernPath(concern.reference), 303);
    return renderPage(request, reply, <ReopenConcernPage concern={concern} />);
  });

  app.post('/concerns/:ref/status', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      if (form.to === 'closed' && form.confirm === 'change') {
        const concern = await service.triageConcern(ctx, ref(request));
        return renderPage(request, reply, <CloseConcernPage concern={concern} values={form} />);
      }
      if (form.to === 'closed' && form.confirm !== 'yes') {
        const { concern, move } = await service.previewMove(ctx, ref(request), form);
        if (move.to === 'closed') return renderPage(request, reply, <CloseConfirmPage concern={concern} move={move} />);
      }
      const { reference, move } = await service.moveStatus(ctx, ref(request), form);
      const done = move.to === 'closed' ? 'has been closed' : move.reopen ? 'has been reopened' : `is now ${CONCERN_STATUSES[move.to].label.toLowerCase()}`;
      return redirectWithFlash(reply, concernPath(reference), `${reference} ${done}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = error.fieldErrors;
      if (!fields.to && (fields.outcome || fields.rationale)) {
        const concern = await service.triageConcern(ctx, ref(request));
        return renderPage(request, reply, <CloseConcernPage concern={concern} errors={fields} values={form} />, 422);
      }
      if (!fields.to && fields.reason) {
        const concern = await service.triageConcern(ctx, ref(request));
        return renderPage(request, reply, <ReopenConcernPage concern={concern} errors={fields} values={form} />, 422);
      }
      return recordWithErrors(request, reply, error);
    }
  });

  app.get('/concerns/:ref/assign', async (request, reply) => {
    const { concern, candidates } = await service.assignForm(request.ctx(), ref(request));
    return renderPage(request, reply, <AssignPage concern={concern} candidates={candidates} />);
  });

  app.post('/concerns/:ref/assign', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { reference, assignee } = await service.assignConcern(ctx, ref(request), body(request));
      return redirectWithFlash(
        reply,
        concernPath(reference),
        assignee ? `${reference} is assigned to ${assignee.fullName}` : `${reference} is not assigned to anyone now`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { concern, candidates } = await service.assignForm(ctx, ref(request));
      return renderPage(request, reply, <AssignPage concern={concern} candidates={candidates} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.post('/concerns/:ref/notes', async (request, reply) => {
    try {
      const { reference, seq } = await service.addNote(request.ctx(), ref(request), body(request));
      return redirectWithFlash(reply, concernPath(reference, `#entry-${seq}`), 'The note has been added to the chronology');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return recordWithErrors(request, reply, error, body(request));
    }
  });

  app.get('/concerns/:ref/corrections', async (request, reply) => {
    const { concern, entry } = await service.correctionForm(request.ctx(), ref(request), (request.query as { seq?: string } | undefined)?.seq);
    return renderPage(request, reply, <CorrectionPage concern={concern} entry={entry} values={entry ? { seq: String(entry.seq) } : undefined} />);
  });

  app.post('/concerns/:ref/corrections', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const { reference, seq, corrects } = await service.addCorrection(ctx, ref(request), form);
      return redirectWithFlash(reply, concernPath(reference, `#entry-${seq}`), `The correction to entry ${corrects} has been added as entry ${seq}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { concern, entry } = await service.correctionForm(ctx, ref(request), form.seq);
      return renderPage(request, reply, <CorrectionPage concern={concern} entry={entry} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/concerns/:ref/people/new', async (request, reply) => {
    const { concern, directory } = await service.personForm(request.ctx(), ref(request));
    return renderPage(request, reply, <PersonPage concern={concern} directory={directory} />);
  });

  app.post('/concerns/:ref/people', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const { reference, person } = await service.linkPerson(ctx, ref(request), form);
      return redirectWithFlash(reply, concernPath(reference), `${person.fullName} has been linked to ${reference}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { concern, directory } = await service.personForm(ctx, ref(request));
      return renderPage(request, reply, <PersonPage concern={concern} directory={directory} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/concerns/:ref/actions/new', async (request, reply) => {
    const { concern, candidates } = await service.actionForm(request.ctx(), ref(request));
    return renderPage(request, reply, <ActionPage concern={concern} candidates={candidates} />);
  });

  app.post('/concerns/:ref/actions', async (request, reply) => {
    const ctx = request.ctx();
    const form = joinDateParts(body(request), ['dueOn']);
    try {
      const { reference, owner } = await service.addAction(ctx, ref(request), form);
      return redirectWithFlash(reply, concernPath(reference, '#actions'), `The action has been added for ${owner.fullName}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { concern, candidates } = await service.actionForm(ctx, ref(request));
      return renderPage(request, reply, <ActionPage concern={concern} candidates={candidates} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.post('/concerns/:ref/actions/:actionId/done', async (request, reply) => {
    const { actionId } = request.params as { actionId: string };
    try {
      const { reference } = await service.markActionDone(request.ctx(), ref(request), actionId);
      return redirectWithFlash(reply, concernPath(reference, '#actions'), 'The action has been marked as done');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return recordWithErrors(request, reply, error);
    }
  });

  app.get('/concerns/:ref/attachments/new', async (request, reply) => {
    const { concern, allowed } = await service.attachForm(request.ctx(), ref(request));
    return renderPage(request, reply, <AttachPage concern={concern} allowed={allowed} />);
  });

  app.post('/concerns/:ref/attachments', async (request, reply) => {
    const ctx = request.ctx();
    const { files } = await readMultipartForm(request);
    try {
      const { reference, count } = await service.addAttachments(ctx, ref(request), files.attachments ?? []);
      return redirectWithFlash(reply, concernPath(reference, '#attachments'), count === 1 ? 'The file has been attached' : `${count} files have been attached`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { concern, allowed } = await service.attachForm(ctx, ref(request));
      return renderPage(request, reply, <AttachPage concern={concern} allowed={allowed} errors={error.fieldErrors} />, 422);
    }
  });

  app.get('/concerns/:ref/attachments/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const file = await service.attachmentDownload(request.ctx(), ref(request), id);
    const ascii = file.fileName.replace(/[^\x20-\x7e]/g, '_');
    return reply
      .type(file.contentType)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
      .send(file.bytes);
  });
}
