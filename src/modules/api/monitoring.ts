import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { type FieldErrors, ForbiddenError } from '../../errors.ts';
import { CATEGORIES, categoryCode, clip, type EventKind, hostOf, LIMITS, type MonitoringEvent } from '../monitoring/events.ts';
import { eventProblem, openIngest } from '../monitoring/intake/ingest.ts';
import { monitoringSources } from '../monitoring/schema.ts';
import { apiSchemas, defineListEndpoint } from './openapi.ts';

/*
 * Events from a trust's filtering and monitoring products (ADR 0011): one event or a list, read
 * into the one event shape and put through the same ingester as an uploaded log. The key must be
 * a monitoring source's: the source says whose usernames they are and which schools they cover.
 */

/** The most events one request may carry. */
export const MAX_API_EVENTS = 1000;
/** 2 MB: a thousand events with long addresses. */
const EVENTS_BODY_LIMIT = 2 * 1024 * 1024;

const text = (name: string) => z.string({ error: `${name} must be a string` }).nullish();

const KIND_FIELDS: Record<string, EventKind> = { outcome: 'logon', location: 'logon', path: 'file_deletion' };
const WEB_ONLY = ['url', 'action', 'category', 'severity'] as const;

export const ApiMonitoringEvent = z
  .strictObject({
    kind: z
      .enum(['web', 'logon', 'file_deletion'], { error: 'kind must be web, logon or file_deletion' })
      .optional()
      .describe('What happened: web (a web request, the default), logon (a sign-in) or file_deletion (a file deleted)'),
    occurredAt: z.iso
      .datetime({
        offset: true,
        error: (issue) =>
          issue.input === undefined
            ? 'occurredAt is required'
            : 'occurredAt must be a date and time with a time zone, like 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00',
      })
      .describe('When it happened, with a time zone. Events more than 5 minutes in the future are refused: a wrong clock or time zone'),
    username: text('username').describe(
      'Who: the username the product knows them by, matched to a person by the source’s username rule or the mappings an administrator made. web events need a username or an ip',
    ),
    ip: text('ip').describe('The machine’s IP address: what an event with no username is put to'),
    device: text('device').describe('The device’s name'),
    category: text('category').describe(
      `web only: the product’s category for the site. Common names are understood (“Self Harm”, “Proxy/VPN”); our codes are ${Object.keys(CATEGORIES).join(', ')}. uncategorised when left out`,
    ),
    severity: z
      .enum(['low', 'medium', 'high'], { error: 'severity must be low, medium or high' })
      .nullish()
      .describe('web only: the severity the product gives it. A rule’s severity is raised to it, never lowered'),
    url: text('url').describe('web only: the address requested (cut to 2,000 characters)'),
    action: z
      .enum(['allowed', 'blocked'], { error: 'action must be allowed or blocked' })
      .nullish()
      .describe('web only: whether the product allowed or blocked it; allowed when left out'),
    detail: text('detail').describe('What else the product says about it: a search term, a message (cut to 2,000 characters)'),
    outcome: z
      .enum(['success', 'failure'], { error: 'outcome must be success or failure' })
      .nullish()
      .describe('logon only, and needed: whether the sign-in succeeded'),
    location: text('location').describe('logon only: where from (a site, a room, a country)'),
    path: text('path').describe('file_deletion only, and needed: the path of the file deleted'),
  })
  .describe('One event from a filtering or monitoring product. Fields outside this list are refused, as are fields of another kind')
  .register(apiSchemas, { id: 'MonitoringEvent' });
type ApiEventInput = z.output<typeof ApiMonitoringEvent>;

export const ApiMonitoringEventsAccepted = z
  .object({
    accepted: z.number().int().describe('How many events were taken'),
    rejected: z.number().int().describe('How many were refused (see rejections); the others were still taken'),
    rejections: z
      .array(
        z.object({
          index: z.number().int().describe('The event’s position in the list sent, from 0 (0 for a single event)'),
          errors: z.record(z.string(), z.string()).describe('A message for each field at fault, by its name'),
        }),
      )
      .describe('Each refused event and why, in the order sent'),
    alertsRaised: z.number().int().describe('New alerts these events raised'),
    alertsExtended: z.number().int().describe('Alerts already open that these events were added to'),
  })
  .describe('The events were received: those taken are counted, matched against the rules and, where they match, raise or extend alerts')
  .register(apiSchemas, { id: 'MonitoringEventsAccepted' });

/** The source whose key this is; other keys are refused. */
async function sourceOfKey(ctx: Ctx) {
  const actor = ctx.actor;
  const [source] =
    actor.type === 'api_key'
      ? await ctx.db
          .select({ id: monitoringSources.id })
          .from(monitoringSources)
          .where(and(eq(monitoringSources.trustId, actor.trustId), eq(monitoringSources.apiKeyId, actor.keyId), isNull(monitoringSources.archivedAt)))
      : [];
  if (!source)
    throw new ForbiddenError('This API key is not the key of a monitoring source; add the source under Monitoring sources and use the key shown there');
  return source;
}

/** Problems a valid item can still have: what its kind needs, and fields of another kind. */
function kindErrors(item: ApiEventInput): FieldErrors {
  const kind = item.kind ?? 'web';
  const errors: FieldErrors = {};
  for (const [field, only] of Object.entries(KIND_FIELDS))
    if (item[field as keyof ApiEventInput] != null && kind !== only) errors[field] = `${field} only applies to ${only} events`;
  if (kind !== 'web') for (const field of WEB_ONLY) if (item[field] != null) errors[field] = `${field} only applies to web events`;
  if (kind === 'web' && !item.username?.trim() && !item.ip?.trim()) errors.username = 'username or ip is required: who, or which machine, it was';
  if (kind === 'logon' && !item.outcome) errors.outcome = 'outcome is required for a logon event: success or failure';
  if (kind === 'file_deletion' && !item.path?.trim()) errors.path = 'path is required for a file_deletion event';
  return errors;
}

/** The one event shape, from an item of the API. */
function toEvent(item: ApiEventInput): MonitoringEvent {
  const url = clip(item.url, LIMITS.url);
  return {
    kind: item.kind ?? 'web',
    occurredAt: new Date(item.occurredAt),
    username: clip(item.username, LIMITS.username) ?? null,
    category: categoryCode(item.category),
    ...(item.severity ? { severity: item.severity } : {}),
    ...(url ? { url, host: hostOf(url) } : {}),
    ...(item.action ? { action: item.action } : {}),
    ...(item.outcome ? { outcome: item.outcome } : {}),
    device: clip(item.device, LIMITS.device),
    ip: clip(item.ip, LIMITS.ip),
    detail: clip(item.detail, LIMITS.detail),
    location: clip(item.location, LIMITS.location),
    path: clip(item.path, LIMITS.path),
  };
}

/** Takes the valid events of a request for the key's source; the rest are named with their reasons. */
export async function receiveEvents(
  ctx: Ctx,
  body: { items: { index: number; value: ApiEventInput }[]; rejected: { index: number; errors: FieldErrors }[] },
  now = new Date(),
) {
  const source = await sourceOfKey(ctx);
  const rejections = [...body.rejected];
  const events: MonitoringEvent[] = [];
  for (const { index, value } of body.items) {
    const errors = kindErrors(value);
    if (Object.keys(errors).length) {
      rejections.push({ index, errors });
      continue;
    }
    const event = toEvent(value);
    const problem = eventProblem(event, now);
    if (problem) rejections.push({ index, errors: { [problem.field]: problem.message } });
    else events.push(event);
  }
  rejections.sort((a, b) => a.index - b.index);
  let stats = { accepted: 0, alertsRaised: 0, alertsExtended: 0 };
  if (events.length) {
    const usernames = events.flatMap((e) => (e.username ? [e.username] : []));
    // One request is one flush: one transaction, after which the counts are final.
    const ingest = await openIngest(ctx.db, {
      trustId: ctx.actor.trustId,
      sourceId: source.id,
      baseUrl: ctx.baseUrl,
      now,
      usernames,
      flushEvery: MAX_API_EVENTS + 1,
    });
    for (const event of events) await ingest.add(event);
    stats = await ingest.finish();
  }
  return { accepted: stats.accepted, rejected: rejections.length, rejections, alertsRaised: stats.alertsRaised, alertsExtended: stats.alertsExtended };
}

const receiveEventsEndpoint = defineListEndpoint({
  method: 'POST',
  path: '/monitoring/events',
  operationId: 'sendMonitoringEvents',
  summary: 'Send monitoring and filtering events',
  description: `Sends what a filtering or monitoring product saw: web requests (with their category and whether they were blocked), sign-ins and file deletions. Send one event, or a list of up to ${MAX_API_EVENTS.toLocaleString('en-GB')}. The key must be the one shown for a monitoring source (Monitoring sources in Countersign): its usernames are matched to people by the source's rule, and its schools decide where alerts go. Each event is checked on its own: valid events are taken even when others are refused, and the answer (202) says how many were taken and why each other one was not, by its position in the list. Web events are counted by day, person and category, and matched against the trust's alert rules; a match raises an alert or extends one raised in the last few minutes. Sign-ins and file deletions are kept for IT to search. Sending the same events twice counts them twice.`,
  scope: 'monitoring:write',
  body: ApiMonitoringEvent,
  bodyList: { max: MAX_API_EVENTS },
  bodyLimit: EVENTS_BODY_LIMIT,
  response: ApiMonitoringEventsAccepted,
  status: 202,
  errors: [400, 413],
  handler: async (ctx, { body }) => receiveEvents(ctx, body),
});

export const monitoringEndpoints = [receiveEventsEndpoint];
