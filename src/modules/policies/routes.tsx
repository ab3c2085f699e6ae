import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { joinDateParts } from '../../validation.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { authorize, can, schoolsFor } from '../auth/authorize.ts';
import { versionInForceId } from './editor/service.ts';
import { publicPath } from './reading/service.ts';
import * as service from './service.ts';
import { ApprovePage, PoliciesPage, PolicyFormPage, PolicyPage, PublishPage, policyFormValues, VersionPage } from './views/pages.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => joinDateParts((request.body ?? {}) as Body, ['effectiveFrom']);
const params = (request: FastifyRequest) => request.params as { id: string; versionId: string };

export async function policyRoutes(app: FastifyInstance) {
  app.get('/policies', async (request, reply) => {
    const ctx = request.ctx();
    const rows = await service.listPolicies(ctx);
    const manageable = schoolsFor(ctx.actor, 'policies.manage');
    const canCreate = manageable === 'all' || manageable.length > 0;
    return renderPage(request, reply, <PoliciesPage rows={rows} canCreate={canCreate} today={londonToday()} />);
  });

  app.get('/policies/new', async (request, reply) => {
    const ctx = request.ctx();
    const manageable = schoolsFor(ctx.actor, 'policies.manage');
    if (manageable !== 'all' && manageable.length === 0) authorize(ctx.actor, 'policies.manage', { trustId: ctx.actor.trustId, schoolIds: [] });
    const options = await service.policyFormOptions(ctx);
    const defaults = {
      scope: 'trust',
      category: 'internal',
      reviewCycleMonths: '12',
      audienceKinds: ['employee', 'volunteer', 'worker', 'trainee', 'contractor', 'pre_employment'],
    };
    return renderPage(request, reply, <PolicyFormPage values={defaults} options={options} />);
  });

  app.post('/policies/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { policy } = await service.createPolicy(ctx, body(request));
      return redirectWithFlash(reply, `/policies/${policy.id}`, `${policy.title} has been added with a blank draft, V1.0`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(
        request,
        reply,
        <PolicyFormPage errors={error.fieldErrors} values={body(request)} options={await service.policyFormOptions(ctx)} />,
        422,
      );
    }
  });

  const policyPage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const detail = await service.getPolicy(request.ctx(), params(request).id);
    const path = request.trust && publicPath(request.trust.slug, detail.policy);
    return <PolicyPage detail={detail} today={londonToday()} errors={errors} publicUrl={path && `${request.server.config.baseUrl}${path}`} />;
  };

  app.get('/policies/:id', async (request, reply) => renderPage(request, reply, await policyPage(request)));

  app.get('/policies/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    const detail = await service.getPolicy(ctx, params(request).id);
    authorize(ctx.actor, 'policies.manage', service.policyResource(detail.policy));
    return renderPage(
      request,
      reply,
      <PolicyFormPage policyId={detail.policy.id} values={policyFormValues(detail.policy)} options={await service.policyFormOptions(ctx)} />,
    );
  });

  app.post('/policies/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const policy = await service.updatePolicy(ctx, params(request).id, body(request));
      return redirectWithFlash(reply, `/policies/${policy.id}`, 'The policy’s details have been saved');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(
        request,
        reply,
        <PolicyFormPage policyId={params(request).id} errors={error.fieldErrors} values={body(request)} options={await service.policyFormOptions(ctx)} />,
        422,
      );
    }
  });

  app.post('/policies/:id/versions', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const draft = await service.startDraft(ctx, params(request).id, body(request));
      return redirectWithFlash(
        reply,
        `/policies/${params(request).id}/versions/${draft.id}`,
        `${draft.label} has been started as a copy of the version in force`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await policyPage(request, error.fieldErrors), 422);
    }
  });

  const versionPage = async (request: FastifyRequest, errors?: Record<string, string>) => {
    const ctx = request.ctx();
    const { policy, version, content } = await service.getVersion(ctx, params(request).id, params(request).versionId);
    const resource = service.policyResource(policy);
    return (
      <VersionPage
        policy={policy}
        version={version}
        content={content}
        canManage={can(ctx.actor, 'policies.manage', resource)}
        canApprove={can(ctx.actor, 'policies.approve', resource)}
        errors={errors}
        inForceId={can(ctx.actor, 'policies.list', service.policyOversight(policy)) ? await versionInForceId(ctx, policy) : null}
      />
    );
  };

  app.get('/policies/:id/versions/:versionId', async (request, reply) => renderPage(request, reply, await versionPage(request)));

  app.post('/policies/:id/versions/:versionId/discard', async (request, reply) => {
    const ctx = request.ctx();
    try {
      await service.discardDraft(ctx, params(request).id, params(request).versionId);
      return redirectWithFlash(reply, `/policies/${params(request).id}`, 'The draft has been discarded');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await versionPage(request, error.fieldErrors), 422);
    }
  });

  const approvable = async (request: FastifyRequest, status: 'draft' | 'approved') => {
    const ctx = request.ctx();
    const { policy, version } = await service.getVersion(ctx, params(request).id, params(request).versionId);
    authorize(ctx.actor, 'policies.approve', service.policyResource(policy));
    if (version.status !== status) throw new ValidationError({ form: `${version.label} is ${version.status}` });
    return { policy, version };
  };

  app.get('/policies/:id/versions/:versionId/approve', async (request, reply) => {
    try {
      const { policy, version } = await approvable(request, 'draft');
      return renderPage(request, reply, <ApprovePage policy={policy} version={version} values={{ approvalBody: policy.approverBody ?? '' }} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await versionPage(request, error.fieldErrors), 409);
    }
  });

  app.post('/policies/:id/versions/:versionId/approve', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const version = await service.approveVersion(ctx, params(request).id, params(request).versionId, body(request));
      return redirectWithFlash(reply, `/policies/${params(request).id}/versions/${version.id}`, `${version.label} has been approved: its text is now fixed`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (error.fieldErrors.form) return renderPage(request, reply, await versionPage(request, error.fieldErrors), 422);
      const { policy, version } = await service.getVersion(ctx, params(request).id, params(request).versionId);
      return renderPage(request, reply, <ApprovePage policy={policy} version={version} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  const isFirst = async (request: FastifyRequest) => !(await service.getPolicy(request.ctx(), params(request).id)).inForce;

  app.get('/policies/:id/versions/:versionId/publish', async (request, reply) => {
    try {
      const { policy, version } = await approvable(request, 'approved');
      const first = await isFirst(request);
      return renderPage(
        request,
        reply,
        <PublishPage policy={policy} version={version} first={first} values={{ effectiveFrom: londonToday(), change: first ? 'material' : undefined }} />,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await versionPage(request, error.fieldErrors), 409);
    }
  });

  app.post('/policies/:id/versions/:versionId/publish', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const version = await service.publishVersion(ctx, params(request).id, params(request).versionId, body(request));
      return redirectWithFlash(
        reply,
        `/policies/${params(request).id}`,
        `${version.label} is now in force${version.material ? ': everyone in its audience must sign it' : ''}`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (error.fieldErrors.form) return renderPage(request, reply, await versionPage(request, error.fieldErrors), 422);
      const { policy, version } = await service.getVersion(ctx, params(request).id, params(request).versionId);
      return renderPage(
        request,
        reply,
        <PublishPage policy={policy} version={version} first={await isFirst(request)} errors={error.fieldErrors} values={body(request)} />,
        422,
      );
    }
  });
}
