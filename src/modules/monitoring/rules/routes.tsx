import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { plural } from '../../../ui/format.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { authorize } from '../../auth/authorize.ts';
import { addRecommendedRules, createRule, ruleDetail, ruleForEdit, ruleList, setRuleEnabled, updateRule } from './service.ts';
import { NEW_RULE_VALUES, ruleValues } from './validation.ts';
import { RuleFormPage, RulePage, RulesPage, ruleUrl } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const id = (request: FastifyRequest) => (request.params as { id: string }).id;

/** The trust's alert rules: the list with figures, adding, changing, switching off and on, the recommended set. */
export async function ruleRoutes(app: FastifyInstance) {
  app.get('/monitoring/rules', async (request, reply) => {
    const data = await ruleList(request.ctx());
    return renderPage(request, reply, <RulesPage data={data} />);
  });

  app.post('/monitoring/rules/recommended', async (request, reply) => {
    const added = await addRecommendedRules(request.ctx());
    return redirectWithFlash(
      reply,
      '/monitoring/rules',
      added.length ? `${plural(added.length, 'recommended rule')} added` : 'You already have all the recommended rules',
    );
  });

  app.get('/monitoring/rules/new', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'monitoring.rules', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <RuleFormPage values={NEW_RULE_VALUES} />);
  });

  app.post('/monitoring/rules/new', async (request, reply) => {
    try {
      const rule = await createRule(request.ctx(), body(request));
      return redirectWithFlash(reply, ruleUrl(rule.id), `The rule ‘${rule.name}’ is added and applies to events from now on`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <RuleFormPage errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/monitoring/rules/:id', async (request, reply) => {
    const data = await ruleDetail(request.ctx(), id(request));
    return renderPage(request, reply, <RulePage data={data} />);
  });

  app.get('/monitoring/rules/:id/edit', async (request, reply) => {
    const rule = await ruleForEdit(request.ctx(), id(request));
    return renderPage(request, reply, <RuleFormPage rule={rule} values={ruleValues(rule)} />);
  });

  app.post('/monitoring/rules/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const rule = await updateRule(ctx, id(request), body(request));
      return redirectWithFlash(reply, ruleUrl(rule.id), `The rule ‘${rule.name}’ is saved`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const rule = await ruleForEdit(ctx, id(request));
      return renderPage(request, reply, <RuleFormPage rule={rule} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.post('/monitoring/rules/:id/enabled', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const rule = await setRuleEnabled(ctx, id(request), form.enabled === 'yes', form);
      return redirectWithFlash(reply, ruleUrl(rule.id), `The rule ‘${rule.name}’ is switched ${rule.enabled ? 'on' : 'off'}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const data = await ruleDetail(ctx, id(request));
      return renderPage(request, reply, <RulePage data={data} errors={error.fieldErrors} values={form} />, 422);
    }
  });
}
