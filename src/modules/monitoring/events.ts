/*
 * The one shape every monitoring signal takes once read, whichever way it came (the API, a Squid
 * log, a CSV export), and the category codes and their synonyms. Pure: no database.
 */

/** The categories the trust's policies name (000, 001, 002), with their labels. Sources may send others. */
export const CATEGORIES = {
  self_harm: 'Self-harm and suicide',
  extremism: 'Extremism and radicalisation',
  child_abuse: 'Child sexual abuse',
  pornography: 'Pornography',
  violence: 'Violence',
  bullying: 'Bullying',
  weapons: 'Weapons',
  drugs: 'Drugs and substance misuse',
  gambling: 'Gambling',
  filter_bypass: 'Proxy, VPN or filter bypass',
  hate: 'Hate and discrimination',
  malware: 'Malware and hacking',
  uncategorised: 'Not categorised',
} as const;
export type KnownCategory = keyof typeof CATEGORIES;
export const CATEGORY_CODES = Object.keys(CATEGORIES) as KnownCategory[];

/** What filtering products call the same things. Keys are normalised (see categoryCode). */
const SYNONYMS: Record<string, KnownCategory> = {
  selfharm: 'self_harm',
  suicide: 'self_harm',
  self_harm_and_suicide: 'self_harm',
  eating_disorders: 'self_harm',
  radicalisation: 'extremism',
  radicalization: 'extremism',
  terrorism: 'extremism',
  extremist: 'extremism',
  csam: 'child_abuse',
  iwf: 'child_abuse',
  child_sexual_abuse: 'child_abuse',
  adult: 'pornography',
  adult_content: 'pornography',
  porn: 'pornography',
  sexual_content: 'pornography',
  nudity: 'pornography',
  violent: 'violence',
  gore: 'violence',
  cyberbullying: 'bullying',
  harassment: 'bullying',
  weapon: 'weapons',
  guns: 'weapons',
  drug: 'drugs',
  illegal_drugs: 'drugs',
  alcohol_and_tobacco: 'drugs',
  betting: 'gambling',
  proxy: 'filter_bypass',
  proxies: 'filter_bypass',
  vpn: 'filter_bypass',
  anonymizer: 'filter_bypass',
  anonymiser: 'filter_bypass',
  anonymizers: 'filter_bypass',
  proxy_avoidance: 'filter_bypass',
  filter_avoidance: 'filter_bypass',
  discrimination: 'hate',
  hate_speech: 'hate',
  racism: 'hate',
  hacking: 'malware',
  phishing: 'malware',
  none: 'uncategorised',
  unknown: 'uncategorised',
  uncategorized: 'uncategorised',
  other: 'uncategorised',
};

/** The longest category code kept; longer ones are cut. */
const MAX_CATEGORY = 60;

/**
 * A source's category as a code: lower case, words joined by "_", synonyms mapped to ours
 * ("Self Harm" → self_harm, "Proxy/VPN" → filter_bypass). Unknown categories stay as their code.
 */
export function categoryCode(raw: string | null | undefined): string {
  const code = (raw ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_CATEGORY);
  if (!code) return 'uncategorised';
  if (code in CATEGORIES) return code;
  if (SYNONYMS[code]) return SYNONYMS[code];
  // "proxy_vpn", "proxy_and_vpn": the first word that is a synonym decides.
  for (const word of code.split('_')) if (SYNONYMS[word] || word in CATEGORIES) return SYNONYMS[word] ?? word;
  return code;
}

export const categoryLabel = (code: string): string =>
  (CATEGORIES as Record<string, string>)[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export type EventKind = 'web' | 'logon' | 'file_deletion';

/** One signal, read and checked. Times are UTC instants. */
export type MonitoringEvent = {
  kind: EventKind;
  occurredAt: Date;
  /** As sent, trimmed; null when the source gave none ("-" in a Squid log). */
  username: string | null;
  /** A category code (categoryCode); 'uncategorised' when none was sent. */
  category: string;
  /** A severity the source gave; rules may raise it, never lower it. */
  severity?: 'low' | 'medium' | 'high';
  url?: string;
  /** The host of `url`, lower-cased, without port: what domain rules match. */
  host?: string;
  action?: 'allowed' | 'blocked';
  device?: string;
  ip?: string;
  detail?: string;
  /** logon only. */
  outcome?: 'success' | 'failure';
  /** logon only: where from (a site, a room, a country). */
  location?: string;
  /** file_deletion only: the file's path. */
  path?: string;
};

/** Events more than this far ahead of the receiving clock are refused: a wrong clock or time zone. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** The host of a URL or of a Squid CONNECT target ("example.com:443"), lower-cased, or undefined. */
export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let rest = url;
  const scheme = rest.indexOf('://');
  if (scheme >= 0) rest = rest.slice(scheme + 3);
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    // / ? # : @
    if (c === 47 || c === 63 || c === 35 || c === 58) {
      end = i;
      break;
    }
  }
  const at = rest.lastIndexOf('@', end);
  const host = rest.slice(at >= 0 ? at + 1 : 0, end).toLowerCase();
  return host && host.length <= 253 ? host : undefined;
}

/** Field limits: anything longer is cut, never refused (a long URL is still evidence). */
export const LIMITS = { username: 200, url: 2000, device: 200, ip: 100, detail: 2000, location: 200, path: 1000 } as const;

export const clip = (value: string | null | undefined, max: number): string | undefined => {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
};
