import { headingKey } from '../../../csv.ts';
import type { CsvColumns } from '../schema.ts';

/*
 * The columns of an uploaded CSV log: what each field means, and a first guess from the header's
 * names (time, timestamp, date → when; user, username, upn, email → username; …) that the person
 * uploading checks and corrects. Pure.
 */

export type ColumnField = keyof CsvColumns;

export const COLUMN_FIELDS: { key: ColumnField; label: string; hint: string; required: boolean; names: string[] }[] = [
  {
    key: 'occurredAt',
    label: 'When it happened',
    hint: 'A date and time: 2026-03-03 14:05 or 03/03/2026 14:05 (London time), 2026-03-03T14:05:00Z, or a Unix time.',
    required: true,
    names: ['timestamp', 'time stamp', 'datetime', 'date time', 'occurred at', 'event time', 'time', 'date', 'logged at', 'when', 'created'],
  },
  {
    key: 'username',
    label: 'Username',
    hint: 'Who it was: matched to a person by the source’s username rule and your mappings.',
    required: true,
    names: ['username', 'user name', 'user', 'upn', 'user principal name', 'email', 'email address', 'login', 'account', 'user id', 'userid', 'identity'],
  },
  {
    key: 'url',
    label: 'Web address',
    hint: 'The address or site visited. Domain rules match its host.',
    required: false,
    names: ['url', 'uri', 'request url', 'web address', 'address', 'site', 'domain', 'host', 'destination'],
  },
  {
    key: 'category',
    label: 'Category',
    hint: 'The category the product gave, like Gambling or Self Harm.',
    required: false,
    names: ['category', 'categories', 'content category', 'classification', 'filter category', 'rule category'],
  },
  {
    key: 'action',
    label: 'Allowed or blocked',
    hint: 'Words like allowed, blocked, denied or permitted.',
    required: false,
    names: ['action', 'result', 'disposition', 'decision', 'verdict', 'blocked', 'allowed', 'status'],
  },
  {
    key: 'severity',
    label: 'Severity',
    hint: 'Low, medium or high, when the product rates what it saw.',
    required: false,
    names: ['severity', 'risk', 'risk level', 'level', 'priority'],
  },
  {
    key: 'device',
    label: 'Device',
    hint: 'The computer or device name.',
    required: false,
    names: ['device', 'device name', 'computer', 'computer name', 'machine', 'workstation', 'hostname'],
  },
  {
    key: 'ip',
    label: 'IP address',
    hint: 'The address of the device, used as the subject when there is no username.',
    required: false,
    names: ['ip', 'ip address', 'client ip', 'source ip', 'src ip', 'client address', 'client'],
  },
  {
    key: 'detail',
    label: 'Detail',
    hint: 'Anything else worth keeping with an alert: a search term, a phrase typed, a description.',
    required: false,
    names: ['detail', 'details', 'description', 'message', 'search term', 'search', 'keyword', 'keywords', 'phrase', 'reason', 'summary'],
  },
];

/**
 * A guess at each field's column from the header: an exact name first (in each field's order of
 * preference), then a header that contains the name as a word. A column is given to one field only.
 */
export function guessColumns(header: string[]): CsvColumns {
  const keys = header.map((h) => headingKey(h));
  const words = header.map((h) =>
    h
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean),
  );
  const taken = new Set<number>();
  const out: CsvColumns = {};
  const pick = (field: ColumnField, index: number) => {
    const name = header[index];
    if (name === undefined) return;
    out[field] = name;
    taken.add(index);
  };
  // Exact names for every field first, so "user" as a whole heading beats "user" inside "user agent".
  for (const field of COLUMN_FIELDS)
    for (const name of field.names) {
      const index = keys.findIndex((k, i) => !taken.has(i) && k === headingKey(name));
      if (index >= 0) {
        pick(field.key, index);
        break;
      }
    }
  for (const field of COLUMN_FIELDS) {
    if (out[field.key]) continue;
    for (const name of field.names) {
      if (name.includes(' ')) continue;
      const index = words.findIndex((w, i) => !taken.has(i) && w.includes(name));
      if (index >= 0) {
        pick(field.key, index);
        break;
      }
    }
  }
  return out;
}

/** The columns chosen on the form: a field left as "not in the file" is left out. */
export function columnsFromForm(values: Record<string, unknown>): CsvColumns {
  const out: CsvColumns = {};
  for (const field of COLUMN_FIELDS) {
    const v = values[field.key];
    if (typeof v === 'string' && v.trim() !== '') out[field.key] = v;
  }
  return out;
}
