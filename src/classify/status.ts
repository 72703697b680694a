/**
 * Enhanced mail system status codes (RFC 3463): finding them in text, inferring one when a bounce
 * gives only an SMTP reply code or prose, and deciding permanence.
 *
 * When a bounce carries no enhanced status, the status is inferred from the failure reason that the
 * wording names (see ./wording.ts), as an "X.0.9nn" code in the detail range RFC 3463 leaves
 * unassigned. The numbering follows Sisimai's pseudo status codes (libsisimai, BSD-2), so that the
 * same bounce gets the same status in both tools and our figures can be checked against its corpus.
 */
import { type Reason, reasonFromWording, type SmtpCommand, smtpCommand } from './wording.js';

/** Pseudo status detail per reason ("5.0.911" = permanent, user unknown). */
const PSEUDO_DETAIL: Partial<Record<Reason, number>> = {
  undefined: 900,
  onhold: 901,
  syntaxerror: 902,
  norelaying: 909,
  filtered: 910,
  userunknown: 911,
  hostunknown: 912,
  hasmoved: 916,
  rejected: 918,
  suspend: 921,
  mailboxfull: 922,
  exceedlimit: 923,
  toomanyconn: 945,
  systemerror: 930,
  systemfull: 931,
  notaccept: 932,
  mesgtoobig: 934,
  mailererror: 939,
  networkerror: 944,
  expired: 947,
  contenterror: 960,
  securityerror: 970,
  blocked: 971,
  policyviolation: 972,
  authfailure: 972,
  requireptr: 973,
  virusdetected: 974,
  badreputation: 975,
  failedstarttls: 976,
  spamdetected: 980,
};

// Not preceded by a digit, dot or letter (versions like "V8.14.4"), not followed by ".digit" (IPs).
const ENHANCED_RE = /(?<![\d.A-Za-z])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g;

/**
 * Codes that say less than another code in the same text: "X.0.0" names only the class, and
 * "4.4.7" (delivery time expired) is what a queue reports on giving up; RFC 3463 asks for "the
 * code for the actual problem found when delivery was attempted" in preference to it.
 */
function isWeakCode(code: string): boolean {
  return code.endsWith('.0.0') || code === '4.4.7';
}

/** The first plausible enhanced status code in a text, e.g. "5.1.1"; RFC 3463 subjects are 0..7. */
export function findEnhancedStatus(text: string): string | undefined {
  // A code right after an SMTP reply code ("550 5.1.1", "550-'5.7.1") is the remote server's own
  // word; when a relay quotes the final server's reply after its own, the last such pair is it.
  let paired: string | undefined;
  for (const m of text.matchAll(/\b[245]\d\d[ -]['"]?([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g)) {
    const code = `${m[1]}.${Number(m[2])}.${Number(m[3])}`;
    if (Number(m[2]) <= 7 && !isWeakCode(code)) paired = code;
  }
  if (paired) return paired;
  let fallback: string | undefined;
  for (const m of text.matchAll(ENHANCED_RE)) {
    const subject = Number(m[2]);
    if (subject > 7) continue;
    const code = `${m[1]}.${subject}.${Number(m[3])}`;
    // A weak code (see isWeakCode): keep looking for a more specific one.
    if (isWeakCode(code)) {
      fallback ??= code;
      continue;
    }
    return code;
  }
  return fallback;
}

/** The first SMTP reply code (RFC 5321 4yz/5yz, or 2yz) standing as a word in the text. */
export function findReplyCode(text: string): string | undefined {
  const m = /(?:^|[\s:(["'=]|#)([45][0-5]\d)(?=[\s\-:,;)]|$)/m.exec(text);
  return m?.[1];
}

/** Is the status a valid enhanced code? */
export function isStatus(s: string | undefined | null): s is string {
  return !!s && /^[245]\.\d{1,3}\.\d{1,3}$/.test(s);
}

/** Wording that says the failure is temporary, when no code says so. */
const TEMPORARY_WORDING =
  /\b(temporar(y|ily)|try again later|will (be retried|retry|continue trying)|deferred|delayed|not yet (been )?delivered|retrying)\b/i;

export interface StatusInference {
  status: string | null;
  reason: Reason | null;
  /** How the status was found: the report, the text, or inferred from wording / reply code. */
  source: 'report' | 'text' | 'wording' | 'reply-code' | 'none';
}

/**
 * Decide a recipient's enhanced status from what the bounce says about it: a reported Status
 * (RFC 3464), else a code in the diagnostic text, else a pseudo status from the reason named by
 * the wording (class from the reply code or the wording), else the class of the reply code.
 */
export function inferStatus(input: {
  reported?: string | null;
  diagnostic?: string;
  replyCode?: string;
  temporary?: boolean;
  /** A reason the caller already knows (a family recogniser's), used when the wording names none. */
  reason?: Reason;
  /** The SMTP command the failure answered, when the family's format says so apart from the text. */
  command?: SmtpCommand;
}): StatusInference {
  const diag = input.diagnostic ?? '';
  const reported = input.reported?.trim().match(/^[245]\.\d{1,3}\.\d{1,3}/)?.[0];
  const inText = diag ? findEnhancedStatus(diag) : undefined;
  const reason = input.reason ?? (diag ? reasonFromWording(diag, input.command ?? smtpCommand(diag)) : null);
  // The remote server's own code in the diagnostic is more precise than the reporting MTA's
  // summary Status (same class); a bare "X.0.0" on either side says nothing beyond the class.
  if (inText && !isWeakCode(inText) && (!reported || reported[0] === inText[0])) {
    return { status: inText, reason, source: 'text' };
  }
  if (reported && !reported.endsWith('.0.0')) return { status: reported, reason, source: 'report' };
  if (inText && !isWeakCode(inText)) return { status: inText, reason, source: 'text' };
  if (reported || inText)
    return { status: (reported ?? inText)!, reason, source: reported ? 'report' : 'text' };
  const reply = input.replyCode ?? (diag ? findReplyCode(diag) : undefined);
  const temporary =
    input.temporary ??
    (reply
      ? reply.startsWith('4')
      : (TEMPORARY_WORDING.test(diag) && !/\bpermanent/i.test(diag)) ||
        // Exim's "retry timeout exceeded": every attempt met a temporary error (the reason the
        // wording names) until the retry rules gave up, so that reason was a transient one.
        (reason !== null && reason !== 'expired' && /retry time ?out exceeded/i.test(diag)));
  const cls = temporary ? '4' : '5';
  if (reason) {
    const detail = PSEUDO_DETAIL[reason];
    if (detail !== undefined) return { status: `${cls}.0.${detail}`, reason, source: 'wording' };
  }
  // A failure the bounce states without any known wording: "on hold" (X.0.901), its class from
  // the reply code when there is one, so the status still says permanent or temporary.
  if (diag) return { status: `${cls}.0.${PSEUDO_DETAIL.onhold}`, reason: 'onhold', source: 'wording' };
  return { status: null, reason, source: 'none' };
}

/**
 * RFC 3463: class 5 is a permanent failure, class 4 a persistent transient one. Permanence
 * follows the class of the status, and the kind follows the report's finality: when an MTA says
 * it gave up (RFC 3464 "Action: failed", or final wording, ./plaintext/delay.ts) after a class 4
 * error (e.g. Zoho's "421 ... Host not reachable", Gmail's "4.4.1" after days of retries), the
 * mail is a `bounce` (action "failed") whose recipient is not permanent: the address itself may
 * work later, only this message is lost.
 */
export function isPermanent(status: string | null | undefined): boolean | null {
  if (!isStatus(status)) return null;
  return status.startsWith('5') ? true : status.startsWith('4') ? false : null;
}
