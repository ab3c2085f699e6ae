import { POLICY_TOPICS, type PolicyTopic } from './schema.ts';

/**
 * Words that put a clause under a topic. Kept to terms AUPs actually use, so a tag means the
 * clause is about that thing rather than mentioning it in passing.
 */
const RULES: Record<PolicyTopic, RegExp> = {
  passwords: /\bpass(?:word|code|phrase)s?\b|\bpin code\b|\b(?:log-?in|access) credentials?\b|\bcredentials?\b|\blog-?in (?:details|information)\b/i,
  email: /\be-?mails?\b|\binbox\b|\bbcc\b|\boutlook\b|\bspam\b|\bphishing\b/i,
  'social media':
    /\bsocial (?:media|network(?:s|ing)?)\b|\bfacebook\b|\btwitter\b|\binstagram\b|\btiktok\b|\bsnapchat\b|\bwhatsapp\b|\bblogs?\b|\bweb logs?\b/i,
  'personal devices':
    /\bpersonal (?:hand ?held |handheld )?(?:devices?|equipment|technology|laptops?|(?:mobile )?phones?|cameras?|computers?)\b|\bown (?:personal )?devices?\b|\bbring your own\b|\bbyod\b/i,
  monitoring: /\bmonitor(?:s|ed|ing)?\b|\baudit(?:ed|ing)?\b|\binterrogable\b|\bare logged\b/i,
  'data protection':
    /\bdata protection\b|\bgdpr\b|\bpersonal (?:data|information)\b|\bdata breach\b|\bsubject access\b|\bdata protection officer\b|\binformation commissioner\b|\bconfidential (?:data|information)\b/i,
  'images of pupils':
    /\bphotograph(?:s|ed|ing)?\b|\b(?:images?|video|recordings?|photos?) (?:\/ \w+ )*of (?:pupils|students|children|young people|others)\b|\bdigital ?\/ ?video images\b|\brecord(?:ing)? images\b/i,
  cyberbullying: /\bcyber-?\s?bullying\b|\bbull(?:y|ying|ied)\b|\bharass(?:ment|ing)?\b/i,
  software: /\bsoftware\b|\bprogra(?:m|mme)s?\b|\binstall(?:ed|ing|ation)?\b|\bapplications?\b|\bapps?\b|\banti-?virus\b/i,
  'cloud services':
    /\bcloud\b|\bonline (?:services?|storage)\b|\bonedrive\b|\bgoogle drive\b|\b(?:office|microsoft|ms) ?365\b|\bg suite\b|\bgoogle workspace\b|\bshared document library\b/i,
  'removable media': /\busb\b|\bremovable\b|\bmemory (?:sticks?|cards?)\b|\bportable (?:storage|drives?)\b|\bexternal (?:hard )?drives?\b/i,
  reporting: /\breport(?:s|ed|ing)?\b|\blogbook\b|\balert (?:the|a member)\b|\binform (?:it|the|their)\b/i,
  sanctions: /\bdisciplinary\b|\bsanction(?:s|ed)?\b|\bdismissal\b|\bgross misconduct\b|\bsuspen(?:sion|ded)\b|\bbarred\b/i,
  'personal use':
    /\bpersonal use\b|\bpersonal,? non-school\b|\bprivate (?:use|business)\b|\brecreational use\b|\bpersonal purposes\b|\bnon-work(?:-related)?\b/i,
  'remote access': /\bremote(?:ly)?\b|\bvpn\b|\bhome[- ]learning\b|\bworking from home\b|\boff-?site\b/i,
  copyright: /\bcopyright\b|\bintellectual property\b|\blicen[cs](?:e|es|ed|ing)\b|\bunlicensed\b|\bplagiarism\b/i,
  filtering: /\bfilter(?:s|ed|ing)?\b|\bblocked\b|\bfirewalls?\b|\bproxy\b/i,
};

/** The topics a piece of policy text is about, in the fixed order of POLICY_TOPICS. */
export const topicsOf = (text: string): PolicyTopic[] => POLICY_TOPICS.filter((topic) => RULES[topic].test(text));
