import { open } from 'node:fs/promises';
import type { MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldErrors, ValidationError } from '../../../errors.ts';
import type { FormValues } from '../../../ui/forms.tsx';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { readMultipartForm } from '../../../web/multipart.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { authorize, can } from '../../auth/authorize.ts';
import { currentPeopleOptions, listSchools } from '../../organisations/repository.ts';
import { createUpload, csvHeader, setUploadColumns, startUploadInBackground } from '../intake/uploads.ts';
import { LOG_FORMATS, type LogFormat } from '../schema.ts';
import { columnsFromForm, guessColumns } from './columns.ts';
import * as service from './service.ts';
import { ColumnsPage, cliCommand, formatBytes, UploadLogPage, UploadProgressPage } from './upload-views.tsx';
import * as usernames from './usernames.ts';
import { MappingPreviewPage, MapUsernamePage, UsernamesPage } from './usernames-views.tsx';
import { ArchiveSourcePage, EditSourcePage, IssueKeyPage, KeyShownOncePage, NewSourcePage, SourcePage, SourcesPage, sourceUrl, uploadUrl } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name] ?? '';
const sourceId = (request: FastifyRequest) => param(request, 'id');

/** The largest log a browser may upload; larger ones are read with `countersign ingest-log`. */
export const LOG_UPLOAD_LIMIT = 1024 ** 3;
/** Room for the form's other fields and the multipart framing around the file. */
const FORM_OVERHEAD = 1024 * 1024;
/** Tests cannot send a gigabyte: under NODE_ENV=test this variable may set a smaller limit. */
export const TEST_UPLOAD_LIMIT_ENV = 'COUNTERSIGN_TEST_LOG_UPLOAD_LIMIT';

function logUploadLimit(app: FastifyInstance): number {
  const given = app.config.env === 'test' ? Number(process.env[TEST_UPLOAD_LIMIT_ENV]) : Number.NaN;
  return Number.isInteger(given) && given > 0 ? given : LOG_UPLOAD_LIMIT;
}

/** How much of a file is looked at to tell a text log from binary garbage. */
const SNIFF_BYTES = 64 * 1024;

/** Why the start of an uploaded file says it is not a text log, or null. */
export async function binaryProblem(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'The selected file is compressed (gzip). Uncompress it first, then upload the .log or .csv file inside';
    if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
      return 'The selected file is a zip file or an Excel workbook. Upload the plain-text log, or save a workbook as ‘CSV UTF-8 (Comma delimited)’';
    if (head.includes(0)) return 'The selected file is not a text log: it has binary data in it. Choose the access.log or CSV file itself';
    return null;
  } finally {
    await handle.close();
  }
}

const isFormat = (v: unknown): v is LogFormat => typeof v === 'string' && v in LOG_FORMATS;

/** The plain fields of a multipart form whose file went to disk (the file parts are in request.diskUploads). */
function diskFormFields(request: FastifyRequest): FormValues {
  const out: FormValues = {};
  for (const [key, raw] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    const part = (Array.isArray(raw) ? raw[0] : raw) as MultipartValue | { type: 'file' } | undefined;
    if (part?.type === 'field') out[key] = String(part.value ?? '');
  }
  return out;
}

/** Monitoring sources, their usernames and log uploads (ADR 0011). */
export async function sourceRoutes(app: FastifyInstance) {
  const schoolOptions = async (request: FastifyRequest) =>
    (await listSchools(request.server.db, request.ctx().actor.trustId)).map((s) => ({ id: s.id, name: s.name }));

  app.get('/monitoring/sources', async (request, reply) => {
    return renderPage(request, reply, <SourcesPage sources={await service.listSources(request.ctx())} />);
  });

  // Adding a source

  app.get('/monitoring/sources/new', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'monitoring.sources', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <NewSourcePage values={{ kind: 'filtering', usernameMatch: 'email' }} schools={await schoolOptions(request)} />);
  });

  // The key is shown on the answer to this post rather than after a redirect, so it never has to
  // be kept anywhere (a cookie, the database) to be shown on a later request.
  app.post('/monitoring/sources/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { source, key } = await service.createSource(ctx, body(request));
      return renderPage(request, reply, <KeyShownOncePage source={source} secret={key} baseUrl={ctx.baseUrl} reissued={false} replaced={null} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <NewSourcePage errors={error.fieldErrors} values={body(request)} schools={await schoolOptions(request)} />, 422);
    }
  });

  // One source

  app.get('/monitoring/sources/:id', async (request, reply) => {
    const ctx = request.ctx();
    const data = await service.sourcePage(ctx, sourceId(request));
    return renderPage(
      request,
      reply,
      <SourcePage data={data} baseUrl={ctx.baseUrl} canUpload={can(ctx.actor, 'monitoring.upload', { trustId: ctx.actor.trustId })} />,
    );
  });

  app.get('/monitoring/sources/:id/edit', async (request, reply) => {
    const source = await service.getActiveSource(request.ctx(), sourceId(request), 'monitoring.sources');
    return renderPage(request, reply, <EditSourcePage source={source} values={service.sourceFormValues(source)} schools={await schoolOptions(request)} />);
  });

  app.post('/monitoring/sources/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const source = await service.updateSource(ctx, sourceId(request), body(request));
      return redirectWithFlash(reply, sourceUrl(source), `${source.name} has been changed`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const source = await service.getActiveSource(ctx, sourceId(request), 'monitoring.sources');
      return renderPage(
        request,
        reply,
        <EditSourcePage source={source} errors={error.fieldErrors} values={body(request)} schools={await schoolOptions(request)} />,
        422,
      );
    }
  });

  app.get('/monitoring/sources/:id/archive', async (request, reply) => {
    const source = await service.getActiveSource(request.ctx(), sourceId(request), 'monitoring.sources');
    return renderPage(request, reply, <ArchiveSourcePage source={source} />);
  });

  app.post('/monitoring/sources/:id/archive', async (request, reply) => {
    const source = await service.archiveSource(request.ctx(), sourceId(request));
    return redirectWithFlash(reply, sourceUrl(source), `${source.name} has been archived and its API key revoked`);
  });

  app.get('/monitoring/sources/:id/key', async (request, reply) => {
    const ctx = request.ctx();
    const source = await service.getActiveSource(ctx, sourceId(request), 'monitoring.sources');
    return renderPage(request, reply, <IssueKeyPage source={source} prefix={await service.activeKeyPrefix(ctx.db, source)} />);
  });

  app.post('/monitoring/sources/:id/key', async (request, reply) => {
    const ctx = request.ctx();
    const { source, key, revokedPrefix } = await service.issueNewKey(ctx, sourceId(request));
    return renderPage(request, reply, <KeyShownOncePage source={source} secret={key} baseUrl={ctx.baseUrl} reissued replaced={revokedPrefix} />);
  });

  // Usernames

  const usernamesPage = async (request: FastifyRequest, reply: FastifyReply, errors?: FieldErrors, status = 200) => {
    const ctx = request.ctx();
    const query = usernames.parseUsernameQuery(request.query);
    const list = await usernames.listUsernames(ctx, sourceId(request), query);
    return renderPage(
      request,
      reply,
      <UsernamesPage source={list.source} query={query} items={list.items} total={list.total} counts={list.counts} maxBytes={UPLOAD_LIMIT} errors={errors} />,
      status,
    );
  };

  app.get('/monitoring/sources/:id/usernames', async (request, reply) => usernamesPage(request, reply));

  app.get('/monitoring/sources/:id/usernames/template.csv', async (request, reply) => {
    await service.getSource(request.ctx(), sourceId(request), 'monitoring.sources');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="usernames-template.csv"')
      .send(usernames.MAPPING_TEMPLATE_CSV);
  });

  const mapPage = async (request: FastifyRequest, reply: FastifyReply, username: string, errors?: FieldErrors, values: FormValues = {}) => {
    const ctx = request.ctx();
    await service.getActiveSource(ctx, sourceId(request), 'monitoring.sources');
    const { source, username: name, found } = await usernames.findUsername(ctx, sourceId(request), username);
    const directory = await currentPeopleOptions(ctx.db, source.trustId);
    return renderPage(
      request,
      reply,
      <MapUsernamePage
        source={source}
        username={name}
        found={
          found && {
            personName: found.personName,
            personEmail: found.personEmail,
            notStaff: found.notStaff,
            eventCount: found.eventCount,
            mappedAt: found.mappedAt,
          }
        }
        directory={directory}
        errors={errors}
        values={values}
      />,
      errors ? 422 : 200,
    );
  };

  app.get('/monitoring/sources/:id/usernames/map', async (request, reply) => {
    const username = (request.query as Record<string, unknown>).username;
    return mapPage(request, reply, typeof username === 'string' ? username : '');
  });

  const usernamesUrl = (request: FastifyRequest, show?: unknown) =>
    `${sourceUrl({ id: sourceId(request) })}/usernames${typeof show === 'string' && show in usernames.USERNAME_VIEWS && show !== 'unmatched' ? `?show=${show}` : ''}`;

  app.post('/monitoring/sources/:id/usernames/map', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { username, person } = await usernames.mapUsername(ctx, sourceId(request), body(request));
      return redirectWithFlash(reply, usernamesUrl(request), `${username} is matched to ${person.fullName} from now on`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const given = body(request).username;
      return mapPage(request, reply, typeof given === 'string' ? given : '', error.fieldErrors, body(request));
    }
  });

  app.post('/monitoring/sources/:id/usernames/not-staff', async (request, reply) => {
    const { username } = await usernames.markNotStaff(request.ctx(), sourceId(request), body(request));
    return redirectWithFlash(reply, usernamesUrl(request), `${username} has been set aside as not a member of staff`);
  });

  app.post('/monitoring/sources/:id/usernames/undo', async (request, reply) => {
    const { username, changed } = await usernames.undoUsername(request.ctx(), sourceId(request), body(request));
    return redirectWithFlash(
      reply,
      usernamesUrl(request, body(request).show),
      changed ? `${username} is unmatched again` : `${username} was not matched by anyone, so nothing has changed`,
    );
  });

  app.post('/monitoring/sources/:id/usernames/import', async (request, reply) => {
    const ctx = request.ctx();
    // Checked before the upload is looked at, so only someone who may match usernames sees what is wrong with it.
    await service.getActiveSource(ctx, sourceId(request), 'monitoring.sources');
    const { files } = await readMultipartForm(request);
    const file = files.file?.[0];
    if (!file) return usernamesPage(request, reply, { file: 'Select a CSV file' }, 422);
    if (file.tooLarge) return usernamesPage(request, reply, { file: `The selected file must be smaller than ${formatBytes(UPLOAD_LIMIT)}` }, 422);
    try {
      const preview = await usernames.previewMappings(ctx, sourceId(request), { fileName: file.fileName, content: file.bytes });
      return renderPage(request, reply, <MappingPreviewPage preview={preview} />, preview.plan.rowErrors.length ? 422 : 200);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return usernamesPage(request, reply, error.fieldErrors, 422);
    }
  });

  app.post('/monitoring/sources/:id/usernames/import/:batch/apply', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { mapped } = await usernames.applyMappings(ctx, sourceId(request), param(request, 'batch'));
      return redirectWithFlash(reply, usernamesUrl(request, 'matched'), `${mapped} ${mapped === 1 ? 'username is' : 'usernames are'} matched from now on`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return usernamesPage(request, reply, error.fieldErrors, 422);
    }
  });

  // Uploading a log file

  const limit = logUploadLimit(app);
  const tooLarge = (trustSlug: string, source: service.SourceRow, format?: LogFormat) =>
    `The file is larger than ${formatBytes(limit)}, the most a browser may upload. Read it on the server with the command line: ${cliCommand(trustSlug, source, format)}`;

  const uploadPage = (request: FastifyRequest, reply: FastifyReply, source: service.SourceRow, errors?: FieldErrors, values: FormValues = {}, status = 422) =>
    renderPage(
      request,
      reply,
      <UploadLogPage source={source} trustSlug={request.trust?.slug ?? 'your-trust'} maxBytes={limit} errors={errors} values={values} />,
      errors ? status : 200,
    );

  app.get('/monitoring/sources/:id/upload', async (request, reply) => {
    const source = await service.getActiveSource(request.ctx(), sourceId(request), 'monitoring.upload');
    return uploadPage(request, reply, source, undefined, { format: 'squid' });
  });

  app.post(
    '/monitoring/sources/:id/uploads',
    {
      bodyLimit: limit + FORM_OVERHEAD,
      config: { diskUpload: true, multipartOptions: { limits: { fileSize: limit, files: 1 } } },
      // Before a byte of the body is read: who is sending, to which source, and a declared size over the limit.
      onRequest: async (request, reply) => {
        const source = await service.getActiveSource(request.ctx(), sourceId(request), 'monitoring.upload');
        const declared = Number(request.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit + FORM_OVERHEAD) {
          reply.header('connection', 'close');
          throw new AppError(tooLarge(request.trust?.slug ?? '<trust>', source), 413);
        }
      },
    },
    async (request, reply) => {
      const ctx = request.ctx();
      const source = await service.getActiveSource(ctx, sourceId(request), 'monitoring.upload');
      const values = diskFormFields(request);
      const file = request.diskUploads?.find((f) => f.field === 'file');
      const errors: FieldErrors = {};
      let status = 422;
      if (!file) errors.file = 'Select a log file';
      else if (file.truncated) {
        errors.file = tooLarge(request.trust?.slug ?? '<trust>', source, isFormat(values.format) ? values.format : undefined);
        status = 413;
      } else if (file.bytes === 0) errors.file = 'The selected file is empty';
      else {
        const problem = await binaryProblem(file.path);
        if (problem) errors.file = problem;
      }
      if (!isFormat(values.format)) errors.format = 'Choose the format of the log';
      // A CSV needs a header row to choose its columns from: said now, while the form is in front of them.
      if (values.format === 'csv' && file && !errors.file)
        await csvHeader(file.path).catch((error: unknown) => {
          if (!(error instanceof ValidationError)) throw error;
          errors.file = error.fieldErrors.file ?? Object.values(error.fieldErrors)[0] ?? 'The file has no header row';
        });
      // An unusable file is not kept (the app deletes files no handler claims) and no upload is recorded.
      if (!file || !isFormat(values.format) || Object.keys(errors).length > 0) return uploadPage(request, reply, source, errors, values, status);
      let upload: Awaited<ReturnType<typeof createUpload>>;
      try {
        upload = await createUpload(ctx, {
          sourceId: source.id,
          format: values.format,
          fileName: file.fileName,
          fileBytes: file.bytes,
          filePath: file.path,
          via: 'web',
          sha256: file.sha256,
        });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return uploadPage(request, reply, source, error.fieldErrors, values);
      }
      // The upload's row now owns the file: the reader deletes it when it has finished.
      file.claimed = true;
      if (upload.status === 'queued') startUploadInBackground(app.db, upload.trustId, upload.id, ctx.baseUrl, request.log);
      return reply.redirect(uploadUrl(upload), 303);
    },
  );

  const uploadOf = async (request: FastifyRequest) => service.getUpload(request.ctx(), param(request, 'id'));

  app.get('/monitoring/uploads/:id', async (request, reply) => {
    const ctx = request.ctx();
    const { upload, source } = await uploadOf(request);
    if (upload.status === 'columns') return reply.redirect(uploadUrl(upload), 303);
    return renderPage(
      request,
      reply,
      <UploadProgressPage
        source={source}
        upload={upload}
        canAlerts={can(ctx.actor, 'monitoring.alerts', { trustId: ctx.actor.trustId })}
        canUsernames={can(ctx.actor, 'monitoring.upload', { trustId: ctx.actor.trustId })}
      />,
    );
  });

  const columnsPage = async (request: FastifyRequest, reply: FastifyReply, errors?: FieldErrors, values?: FormValues) => {
    const { upload, source } = await uploadOf(request);
    if (upload.status !== 'columns' || !upload.filePath) return reply.redirect(`/monitoring/uploads/${upload.id}`, 303);
    const header = await csvHeader(upload.filePath);
    return renderPage(
      request,
      reply,
      <ColumnsPage source={source} upload={upload} header={header} errors={errors} values={values ?? guessColumns(header)} />,
      errors ? 422 : 200,
    );
  };

  app.get('/monitoring/uploads/:id/columns', async (request, reply) => columnsPage(request, reply));

  app.post('/monitoring/uploads/:id/columns', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const upload = await setUploadColumns(ctx, param(request, 'id'), columnsFromForm(body(request)));
      startUploadInBackground(app.db, upload.trustId, upload.id, ctx.baseUrl, request.log);
      return reply.redirect(`/monitoring/uploads/${upload.id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Chosen already (a second click), or the file has gone: the progress page says where it stands.
      if (error.fieldErrors.form) return reply.redirect(`/monitoring/uploads/${param(request, 'id')}`, 303);
      return columnsPage(request, reply, error.fieldErrors, body(request));
    }
  });
}
