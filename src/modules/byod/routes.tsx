import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { MyLoansSection, myLoans } from '../assets/loans/views.tsx';
import { authorize, can } from '../auth/authorize.ts';
import { CLOSE_REASONS, type CloseReason } from './schema.ts';
import * as service from './service.ts';
import { byodSettings, updateByodSettings } from './settings.ts';
import { ByodSettingsPage, ClosePage, DevicePage, MyDevicesPage, RegisterPage, RenewPage, ReviewPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const deviceId = (request: FastifyRequest) => (request.params as { id: string }).id;
const closeReason = (v: unknown): CloseReason | null => (typeof v === 'string' && v in CLOSE_REASONS ? (v as CloseReason) : null);

/** Personal devices (PRODUCT.md §8): My devices, registering, one device, IT's review list, and the trust's rules. */
export async function byodRoutes(app: FastifyInstance) {
  app.get('/devices', async (request, reply) => {
    const ctx = request.ctx();
    const [devices, loans] = await Promise.all([service.myDevices(ctx), myLoans(ctx)]);
    return renderPage(request, reply, <MyDevicesPage devices={devices} today={londonToday()} loans={<MyLoansSection loans={loans} />} />);
  });

  app.get('/devices/new', async (request, reply) => {
    const rules = await service.currentRules(request.ctx());
    return renderPage(request, reply, <RegisterPage rules={rules} values={{}} />);
  });

  app.post('/devices/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { device } = await service.registerDevice(ctx, body(request));
      return redirectWithFlash(reply, `/devices/${device.id}`, `${service.deviceName(device)} is registered. IT services will check it and email you.`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const rules = await service.currentRules(ctx);
      return renderPage(request, reply, <RegisterPage rules={rules} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/devices/review', async (request, reply) => {
    const ctx = request.ctx();
    const queue = await service.reviewQueue(ctx, londonToday());
    return renderPage(
      request,
      reply,
      <ReviewPage queue={queue} today={londonToday()} canSettings={can(ctx.actor, 'settings.manage', { trustId: ctx.actor.trustId })} />,
    );
  });

  app.get('/devices/:id', async (request, reply) => {
    const record = await service.deviceRecord(request.ctx(), deviceId(request));
    return renderPage(request, reply, <DevicePage record={record} today={londonToday()} />);
  });

  app.post('/devices/:id/decision', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { device, decision } = await service.decideDevice(ctx, deviceId(request), body(request));
      return redirectWithFlash(reply, `/devices/${device.id}`, `${service.deviceName(device)} has been ${decision}. The owner has been emailed.`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const record = await service.deviceRecord(ctx, deviceId(request));
      return renderPage(request, reply, <DevicePage record={record} today={londonToday()} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/devices/:id/renew', async (request, reply) => {
    const ctx = request.ctx();
    const record = await service.ownDevice(ctx, deviceId(request));
    return renderPage(request, reply, <RenewPage record={record} rules={await service.currentRules(ctx)} values={{}} />);
  });

  app.post('/devices/:id/renew', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { device } = await service.renewDevice(ctx, deviceId(request), body(request));
      return redirectWithFlash(
        reply,
        `/devices/${device.id}`,
        `You have renewed ${service.deviceName(device)}. IT services will check it again and email you.`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const record = await service.ownDevice(ctx, deviceId(request));
      const rules = await service.currentRules(ctx);
      return renderPage(request, reply, <RenewPage record={record} rules={rules} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/devices/:id/close', async (request, reply) => {
    const record = await service.ownDevice(request.ctx(), deviceId(request));
    const reason = closeReason((request.query as Body | undefined)?.reason);
    return renderPage(request, reply, <ClosePage record={record} reason={reason} values={{}} />);
  });

  app.post('/devices/:id/close', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { device } = await service.closeDevice(ctx, deviceId(request), body(request));
      return redirectWithFlash(reply, `/devices/${device.id}`, `The registration of ${service.deviceName(device)} is closed.`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const record = await service.ownDevice(ctx, deviceId(request));
      const reason = closeReason(body(request).reason);
      return renderPage(request, reply, <ClosePage record={record} reason={reason} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  // The trust's rules for personal devices: a section of the settings area, kept with the module that uses it.
  app.get('/settings/devices', async (request, reply) => {
    const rules = await byodSettings(request.ctx());
    return renderPage(
      request,
      reply,
      <ByodSettingsPage values={{ minPasscodeLength: String(rules.minPasscodeLength), attestationMonths: String(rules.attestationMonths) }} />,
    );
  });

  app.post('/settings/devices', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'settings.manage', { trustId: ctx.actor.trustId });
    try {
      const rules = await updateByodSettings(ctx, body(request));
      return redirectWithFlash(
        reply,
        '/settings/devices',
        `The rules are saved: a passcode of at least ${rules.minPasscodeLength} characters, approval for ${rules.attestationMonths} months`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <ByodSettingsPage errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });
}
