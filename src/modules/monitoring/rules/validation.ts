import { domainToASCII } from 'node:url';
import { z } from 'zod';
import type { FieldErrors } from '../../../errors.ts';
import type { FormValues } from '../../../ui/forms.tsx';
import { blankToUndefined, textField } from '../../../validation.ts';
import { CATEGORIES, categoryCode } from '../events.ts';
import { normaliseDomain, normaliseKeyword } from '../intake/rules.ts';
import {
  ALERT_SEVERITY_CODES,
  type AlertSeverity,
  type monitoringRules,
  RULE_ACTIONS,
  RULE_KINDS,
  RULE_PEOPLE,
  RULE_TIMES,
  type RuleAction,
  type RuleKind,
  type RulePeople,
  type RuleTime,
} from '../schema.ts';

/*
 * The rule form, checked: every field's problem at once, each watchlist line that is not a domain
 * (or a usable keyword) named by its line number. Terms are kept exactly as the rules engine
 * normalises them (intake/rules.ts), so what the form shows is what matches.
 */

export type RuleRow = typeof monitoringRules.$inferSelect;

export const NAME_MAX = 120;
export const MAX_TERMS = 5_000;
export const KEYWORD_MIN = 3;
export const KEYWORD_MAX = 200;
export const REASON_MAX = 1_000;
/** The category select's choice for a code of the source's own ("another category"). */
export const OTHER_CATEGORY = 'other';
/** Lines with problems named in one field error; the rest are counted. */
const LINES_NAMED = 10;

const KIND_CODES = Object.keys(RULE_KINDS) as [RuleKind, ...RuleKind[]];
const ACTION_CODES = Object.keys(RULE_ACTIONS) as [RuleAction, ...RuleAction[]];
const TIME_CODES = Object.keys(RULE_TIMES) as [RuleTime, ...RuleTime[]];
const PEOPLE_CODES = Object.keys(RULE_PEOPLE) as [RulePeople, ...RulePeople[]];

const choice = <T extends string>(codes: [T, ...T[]], message: string) =>
  z.preprocess((v) => blankToUndefined(Array.isArray(v) ? v[0] : v), z.enum(codes, { error: message }));

const fields = z.object({
  name: textField(NAME_MAX, 'The name', 'Enter a name for the rule'),
  kind: choice(KIND_CODES, 'Choose what the rule looks for'),
  severity: choice(ALERT_SEVERITY_CODES as [AlertSeverity, ...AlertSeverity[]], 'Choose the severity of the alerts it raises'),
  action: choice(ACTION_CODES, 'Choose whether it applies to blocked or allowed visits'),
  timeMode: choice(TIME_CODES, 'Choose when it applies'),
  appliesTo: choice(PEOPLE_CODES, 'Choose who it applies to'),
});

export type RuleInput = {
  name: string;
  kind: RuleKind;
  category: string;
  terms: string[];
  severity: AlertSeverity;
  action: RuleAction;
  timeMode: RuleTime;
  timeFrom: string | null;
  timeTo: string | null;
  appliesTo: RulePeople;
};

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown) => (typeof first(v) === 'string' ? (first(v) as string) : '');

/** "8:00", "08:00", "8.00" or "0800" as "08:00"; null when it is not a time of day. */
export function parseTime(raw: string): string | null {
  const m = /^(\d{1,2})[:.]?(\d{2})$/.exec(raw.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A watchlist domain, normalised and in ASCII (bücher.example → xn--bcher-kva.example); null when it is not one. */
export function checkDomain(line: string): string | null {
  const normalised = normaliseDomain(line);
  if (!normalised || /\s/.test(normalised)) return null;
  const ascii = domainToASCII(normalised);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return null;
  return ascii;
}

type LineProblem = { line: number; text: string; reason: string };

const quoted = (text: string) => `“${text.length > 40 ? `${text.slice(0, 39)}…` : text}”`;

/** One field message naming each problem line (the first ten; the rest counted). */
function linesMessage(problems: LineProblem[]): string {
  const named = problems.slice(0, LINES_NAMED).map((p) => `line ${p.line} ${quoted(p.text)} ${p.reason}`);
  const more = problems.length - named.length;
  const text = `${named.join('; ')}${more > 0 ? `; and ${more.toLocaleString('en-GB')} more ${more === 1 ? 'line' : 'lines'}` : ''}`;
  return `Check ${problems.length === 1 ? 'this line' : 'these lines'}: ${text}`;
}

/**
 * The watchlist's lines as terms: blank lines skipped, each line normalised, repeats removed
 * (first kept), each line that is not a domain or usable keyword reported with its number.
 */
export function parseTerms(kind: 'domain' | 'keyword', raw: string): { terms: string[]; error?: string } {
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  const terms: string[] = [];
  raw.split(/\r\n|\r|\n/).forEach((text, i) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    let term: string | null;
    if (kind === 'domain') {
      term = checkDomain(trimmed);
      if (!term) problems.push({ line: i + 1, text: trimmed, reason: 'is not a website domain like example.com' });
    } else {
      term = normaliseKeyword(trimmed);
      if (term.length < KEYWORD_MIN) {
        problems.push({ line: i + 1, text: trimmed, reason: `is too short: a word or phrase needs at least ${KEYWORD_MIN} characters` });
        term = null;
      } else if (term.length > KEYWORD_MAX) {
        problems.push({ line: i + 1, text: trimmed, reason: `is too long: a word or phrase can have at most ${KEYWORD_MAX} characters` });
        term = null;
      }
    }
    if (term && !seen.has(term)) {
      seen.add(term);
      terms.push(term);
    }
  });
  const noun = kind === 'domain' ? 'website domains' : 'words or phrases';
  if (problems.length) return { terms, error: linesMessage(problems) };
  if (terms.length === 0) return { terms, error: `Enter the ${noun} to look for, one on each line` };
  if (terms.length > MAX_TERMS)
    return {
      terms,
      error: `Enter no more than ${MAX_TERMS.toLocaleString('en-GB')} ${noun} (there are ${terms.length.toLocaleString('en-GB')} after removing repeats). Split the list into more than one rule.`,
    };
  return { terms };
}

/** Checks the whole form; throws nothing, returns the input or every field's problem. */
export function checkRuleForm(raw: unknown): { input?: RuleInput; errors: FieldErrors } {
  const body = (raw ?? {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(fields.shape)) {
    const result = (schema as z.ZodType).safeParse(body[key]);
    if (result.success) parsed[key] = result.data;
    else errors[key] = result.error.issues[0]?.message ?? 'Check this answer';
  }
  const kind = parsed.kind as RuleKind | undefined;

  // The category: one of ours from the list, or a source's own code typed in.
  let category = '';
  const chosen = str(body.category).trim();
  if (chosen === OTHER_CATEGORY) {
    const typed = str(body.categoryOther).trim();
    if (!typed) errors.categoryOther = 'Enter the category as your filtering product names it, or choose one from the list';
    else if (typed.length > 60) errors.categoryOther = 'The category must be 60 characters or fewer';
    else category = categoryCode(typed);
  } else if (chosen && chosen in CATEGORIES) category = chosen;
  else errors.category = kind === 'category' ? 'Choose the category the rule matches' : 'Choose the category of the alerts it raises';

  let terms: string[] = [];
  if (kind === 'domain' || kind === 'keyword') {
    const result = parseTerms(kind, str(body.terms));
    if (result.error) errors.terms = result.error;
    terms = result.terms;
  }

  let timeFrom: string | null = null;
  let timeTo: string | null = null;
  if (parsed.timeMode === 'inside' || parsed.timeMode === 'outside') {
    const from = str(body.timeFrom).trim();
    const to = str(body.timeTo).trim();
    timeFrom = from ? parseTime(from) : null;
    timeTo = to ? parseTime(to) : null;
    if (!from) errors.timeFrom = 'Enter the start time, like 08:00';
    else if (!timeFrom) errors.timeFrom = 'Enter the start time in 24-hour format, like 08:00';
    if (!to) errors.timeTo = 'Enter the end time, like 16:00';
    else if (!timeTo) errors.timeTo = 'Enter the end time in 24-hour format, like 16:00';
    else if (timeFrom && timeFrom === timeTo) errors.timeTo = 'The end time must be different from the start time';
  }

  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    input: {
      name: parsed.name as string,
      kind: kind as RuleKind,
      category,
      terms,
      severity: parsed.severity as AlertSeverity,
      action: parsed.action as RuleAction,
      timeMode: parsed.timeMode as RuleTime,
      timeFrom,
      timeTo,
      appliesTo: parsed.appliesTo as RulePeople,
    },
  };
}

/** The reason given when switching a rule off or on. */
export const switchInput = z.object({
  reason: textField(REASON_MAX, 'The reason', 'Say why'),
});

/** A rule as the form's values (for editing). */
export function ruleValues(rule: RuleRow): FormValues {
  const known = rule.category in CATEGORIES;
  return {
    name: rule.name,
    kind: rule.kind,
    category: known ? rule.category : OTHER_CATEGORY,
    categoryOther: known ? '' : rule.category,
    terms: rule.terms.join('\n'),
    severity: rule.severity,
    action: rule.action,
    timeMode: rule.timeMode,
    timeFrom: rule.timeFrom ?? '',
    timeTo: rule.timeTo ?? '',
    appliesTo: rule.appliesTo,
  };
}

/** A new rule's starting values. */
export const NEW_RULE_VALUES: FormValues = { severity: 'medium', action: 'any', timeMode: 'any', appliesTo: 'everyone' };
