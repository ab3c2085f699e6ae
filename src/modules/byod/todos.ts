import type { Ctx } from '../../context.ts';
import type { TodoItem } from '../../modules/home/routes.tsx';
import { formatDate, londonToday } from '../../ui/format.ts';
import { can } from '../auth/authorize.ts';
import { addDays, daysBetween } from '../policies/reviews/service.ts';
import { deviceName, expiryCountdown, myDevices, RENEW_WINDOW_DAYS, reviewQueue } from './service.ts';

/**
 * The home page's personal-device items: the person's own devices to renew (approval ending within
 * 30 days, or ended), and for IT services each device waiting for their decision.
 */
export async function byodTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  if (ctx.actor.type !== 'person') return [];
  const today = londonToday(now);
  const horizon = addDays(today, RENEW_WINDOW_DAYS);
  const items: TodoItem[] = [];
  for (const { device, attestation } of await myDevices(ctx)) {
    if (!attestation) continue;
    const due = (device.status === 'approved' && attestation.expiresOn <= horizon) || device.status === 'expired';
    if (!due) continue;
    const overdue = device.status === 'expired' || attestation.expiresOn < today;
    items.push({
      href: `/devices/${device.id}`,
      title: `Renew your personal device ${deviceName(device)}`,
      detail: `Approval ${overdue ? 'ended' : 'ends'} ${formatDate(attestation.expiresOn)}`,
      tag: {
        tone: overdue || daysBetween(today, attestation.expiresOn) <= 7 ? 'red' : 'orange',
        label: expiryCountdown(attestation.expiresOn, today),
      },
    });
  }
  if (can(ctx.actor, 'byod.review', { trustId: ctx.actor.trustId })) {
    const { waiting } = await reviewQueue(ctx, today);
    for (const r of waiting) {
      if (r.device.personId === ctx.actor.personId) continue;
      items.push({
        href: `/devices/${r.device.id}`,
        title: `Approve or refuse ${r.ownerName}'s personal device ${deviceName(r.device)}`,
        detail: `Waiting since ${formatDate(r.attestation?.attestedAt ?? r.device.registeredAt)}`,
        tag: { tone: 'orange', label: 'Waiting for IT' },
      });
    }
  }
  return items;
}
