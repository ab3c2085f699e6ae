import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { plural } from '../../../ui/format.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { authorize } from '../../auth/authorize.ts';
import { monitoringSettings, updateMonitoringSettings } from './service.ts';
import { MonitoringSettingsPage, settingsValues } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;

/** The trust's monitoring settings: a section of the settings area, kept with the module that uses it. */
export async function monitoringSettingsRoutes(app: FastifyInstance) {
  app.get('/settings/monitoring', async (request, reply) => {
    const settings = await monitoringSettings(request.ctx());
    return renderPage(request, reply, <MonitoringSettingsPage values={settingsValues(settings)} />);
  });

  app.post('/settings/monitoring', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'settings.manage', { trustId: ctx.actor.trustId });
    try {
      const saved = await updateMonitoringSettings(ctx, body(request));
      return redirectWithFlash(
        reply,
        '/settings/monitoring',
        `The monitoring settings are saved. Sign-in and file-deletion events are kept for ${plural(saved.auditRetentionDays, 'day')}.`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <MonitoringSettingsPage errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });
}
