import { z } from 'zod';
import { PERSON_KIND_CODES, ROLE_CODES } from '../../organisations/roles.ts';

export const LIST_STATUSES = {
  outstanding: 'Everyone who has not signed',
  overdue: 'Only those overdue',
  signed: 'Everyone who has signed',
} as const;
export type ListStatus = keyof typeof LIST_STATUSES;

export const SORT_KEYS = ['name', 'school', 'policy', 'due', 'manager', 'signed'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * The dashboard's filters, sort and page, from the query string. As on every list, a value that
 * does not make sense (a mistyped id, "all", an unknown sort) shows the default rather than an
 * error: a shared or bookmarked link always opens.
 */
export const complianceQuery = z.object({
  policy: z.uuid().optional().catch(undefined),
  school: z.uuid().optional().catch(undefined),
  role: z.enum(ROLE_CODES).optional().catch(undefined),
  kind: z.enum(PERSON_KIND_CODES).optional().catch(undefined),
  manager: z.uuid().optional().catch(undefined),
  status: z.enum(Object.keys(LIST_STATUSES) as [ListStatus, ...ListStatus[]]).catch('outstanding'),
  sort: z.enum(SORT_KEYS).catch('due'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type ComplianceQuery = z.output<typeof complianceQuery>;
