import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReactElement } from 'react';
import { ValidationError } from '../../../errors.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { ComparePage } from './compare-view.tsx';
import * as editor from './service.ts';
import { clauseName, findClause } from './tree.ts';
import {
  type ClauseMode,
  ClausePage,
  clauseValues,
  DeclarationPage,
  declarationValues,
  EditorIndexPage,
  editorBase,
  LinesPage,
  NotDraftPage,
  RemovePage,
} from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
type Params = { id: string; versionId: string; clauseId: string };
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const params = (request: FastifyRequest) => request.params as Params;
const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
const baseOf = (request: FastifyRequest) => editorBase(params(request).id, params(request).versionId);
const draftOf = (request: FastifyRequest) => editor.loadDraft(request.ctx(), params(request).id, params(request).versionId);

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/**
 * Every editor route: a version that is no longer a draft (approved since the page was opened,
 * say) gets a page saying so, and nothing is saved. Form errors are the route's own business.
 */
const guarded =
  (handler: Handler): Handler =>
  async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (error instanceof editor.NotDraftError)
        return renderPage(request, reply, <NotDraftPage policy={error.policy} version={error.version} attempted={request.method === 'POST'} />, 409);
      throw error;
    }
  };

/** Runs a change; on a validation error, re-renders the form with the messages and what was typed (422). */
const withForm = (
  change: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
  form: (request: FastifyRequest, errors: Record<string, string>) => Promise<ReactElement>,
) =>
  guarded(async (request, reply) => {
    try {
      return await change(request, reply);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await form(request, error.fieldErrors), 422);
    }
  });

export async function policyEditorRoutes(app: FastifyInstance) {
  const base = '/policies/:id/versions/:versionId/edit';

  const indexPage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const draft = await draftOf(request);
    const inForceId = await editor.versionInForceId(request.ctx(), draft.policy);
    return <EditorIndexPage draft={draft} inForceId={inForceId} errors={errors} values={errors ? body(request) : undefined} />;
  };

  app.get(
    base,
    guarded(async (request, reply) => renderPage(request, reply, await indexPage(request))),
  );

  app.post(
    `${base}/details`,
    withForm(
      async (request, reply) => {
        const saved = await editor.saveDetails(request.ctx(), params(request).id, params(request).versionId, body(request));
        return redirectWithFlash(reply, baseOf(request), `The details of ${saved.label} have been saved`);
      },
      (request, errors) => indexPage(request, errors),
    ),
  );

  // Key points and agreement statements: one textarea each, one item a line.
  const lists = [
    {
      path: 'key-points',
      name: 'keyPoints',
      heading: 'Key points',
      hint: 'One point on each line. They are shown at the top of the policy, before its sections: the few things every reader must know.',
      save: editor.saveKeyPoints,
      done: 'The key points have been saved',
    },
    {
      path: 'agreement',
      name: 'agreementStatements',
      heading: 'Agreement statements',
      hint: 'One statement on each line, like “I will not share my passwords”. The signer agrees to each of them.',
      save: editor.saveAgreementStatements,
      done: 'The agreement statements have been saved',
    },
  ] as const;
  for (const list of lists) {
    const page = async (request: FastifyRequest, errors?: Record<string, string>) => {
      const draft = await draftOf(request);
      const values = errors ? body(request) : { [list.name]: draft.content[list.name].join('\n') };
      return <LinesPage draft={draft} name={list.name} heading={list.heading} hint={list.hint} errors={errors} values={values} />;
    };
    app.get(
      `${base}/${list.path}`,
      guarded(async (request, reply) => renderPage(request, reply, await page(request))),
    );
    app.post(
      `${base}/${list.path}`,
      withForm(async (request, reply) => {
        await list.save(request.ctx(), params(request).id, params(request).versionId, body(request));
        return redirectWithFlash(reply, baseOf(request), list.done);
      }, page),
    );
  }

  const declarationPage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const draft = await draftOf(request);
    return <DeclarationPage draft={draft} errors={errors} values={errors ? body(request) : declarationValues(draft.content.declaration)} />;
  };
  app.get(
    `${base}/declaration`,
    guarded(async (request, reply) => renderPage(request, reply, await declarationPage(request))),
  );
  app.post(
    `${base}/declaration`,
    withForm(async (request, reply) => {
      await editor.saveDeclaration(request.ctx(), params(request).id, params(request).versionId, body(request));
      return redirectWithFlash(reply, baseOf(request), 'The declaration has been saved');
    }, declarationPage),
  );

  // A new section or sub-clause: ?after=<clause> or ?parent=<clause> (GET), the same as hidden fields (POST).
  const newClausePage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const draft = await draftOf(request);
    const where = request.method === 'GET' ? query(request) : body(request);
    const placement = editor.placementFrom(draft, where);
    if ('clauseId' in placement) throw new Error('unreachable');
    const mode: ClauseMode = {
      kind: 'new',
      placement,
      parent: 'parent' in placement ? editor.locate(draft, placement.parent).clause : null,
      after: 'after' in placement && placement.after ? editor.locate(draft, placement.after).clause : null,
    };
    return <ClausePage draft={draft} mode={mode} errors={errors} values={errors ? body(request) : {}} />;
  };
  app.get(
    `${base}/sections/new`,
    guarded(async (request, reply) => renderPage(request, reply, await newClausePage(request))),
  );

  const afterSave = (request: FastifyRequest, reply: FastifyReply, saved: { clause: { id: string }; top: { id: string } }, message: string) =>
    body(request).next === 'sub-clause'
      ? redirectWithFlash(reply, `${baseOf(request)}/sections/new?parent=${saved.clause.id}`, `${message}. Now add its sub-clause.`)
      : redirectWithFlash(reply, `${baseOf(request)}#s-${saved.top.id}`, message);

  app.post(
    `${base}/sections/new`,
    withForm(async (request, reply) => {
      const ctx = request.ctx();
      const draft = await draftOf(request);
      const placement = editor.placementFrom(draft, body(request));
      const saved = await editor.saveClause(ctx, draft.policy.id, draft.version.id, placement, body(request));
      return afterSave(request, reply, saved, `${clauseName(saved.clause)} has been added`);
    }, newClausePage),
  );

  const clausePage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const draft = await draftOf(request);
    const located = editor.locate(draft, params(request).clauseId);
    return <ClausePage draft={draft} mode={{ kind: 'edit', located }} errors={errors} values={errors ? body(request) : clauseValues(located.clause)} />;
  };
  app.get(
    `${base}/sections/:clauseId`,
    guarded(async (request, reply) => renderPage(request, reply, await clausePage(request))),
  );
  app.post(
    `${base}/sections/:clauseId`,
    withForm(async (request, reply) => {
      const { id, versionId, clauseId } = params(request);
      const saved = await editor.saveClause(request.ctx(), id, versionId, { clauseId }, body(request));
      return afterSave(request, reply, saved, `${clauseName(saved.clause)} has been saved`);
    }, clausePage),
  );

  app.post(
    `${base}/sections/:clauseId/move`,
    guarded(async (request, reply) => {
      const { id, versionId, clauseId } = params(request);
      const moved = await editor.moveSection(request.ctx(), id, versionId, clauseId, body(request));
      const where = moved.back === 'clause' ? `${baseOf(request)}/sections/${clauseId}` : `${baseOf(request)}#s-${moved.top.id}`;
      const name = clauseName(moved.clause);
      return redirectWithFlash(
        reply,
        where,
        moved.moved ? `${name} has been moved ${moved.direction}` : `${name} is already at the ${moved.direction === 'up' ? 'top' : 'bottom'}`,
      );
    }),
  );

  app.get(
    `${base}/sections/:clauseId/remove`,
    guarded(async (request, reply) => {
      const draft = await draftOf(request);
      return renderPage(request, reply, <RemovePage draft={draft} located={editor.locate(draft, params(request).clauseId)} />);
    }),
  );
  app.post(
    `${base}/sections/:clauseId/remove`,
    guarded(async (request, reply) => {
      const { id, versionId, clauseId } = params(request);
      const draft = await draftOf(request);
      const parent = findClause(draft.content.sections, clauseId)?.ancestors.at(-1);
      const removed = await editor.removeSection(request.ctx(), id, versionId, clauseId);
      return redirectWithFlash(reply, `${baseOf(request)}${parent ? `#s-${parent.id}` : '#sections'}`, `${removed.description} has been removed`);
    }),
  );

  app.get('/policies/:id/compare', async (request, reply) => {
    const result = await editor.compareVersions(request.ctx(), params(request).id, query(request));
    return renderPage(
      request,
      reply,
      <ComparePage policy={result.policy} versions={result.versions} from={result.from} to={result.to} comparison={result.comparison} />,
    );
  });
}
