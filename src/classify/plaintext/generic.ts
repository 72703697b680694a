/**
 * The generic reader for plain-text bounces of families we have no recogniser for: it finds the
 * lines that name a failed recipient (the shapes MTAs use: the address alone on a line, "addr:",
 * ">>> addr", "addr... reason", "delivering your mail to addr", "RCPT TO:<addr>") and takes the
 * text that follows each as its diagnostic.
 */
import { ADDRESS_SOURCE, cleanAddress, isSystemAddress, squash } from '../text.js';
import { mergeDiagnostic } from './blocks.js';
import type { PlainContext, PlainRecipient } from './types.js';

// The address never starts in the middle of a word ("userunknown@" is not "user" + "unknown@").
const A = `<?(?<![A-Za-z0-9!#$%&'*+/=?^_\`{|}~.-])(${ADDRESS_SOURCE})>?`;

/** Lines that state a recipient (group 1 is the address). */
const RECIPIENT_LINES: RegExp[] = [
  // The address alone, maybe quoted, bracketed, bulleted, with a trailing colon or "on <date>".
  new RegExp(
    `^[\\s>*\\-•]*["']?${A}["']?\\s*(?::|\\.\\.\\.)?\\s*(?:\\(.*\\)|\\[.*\\]|on .*|<[^>]*>)?\\s*$`,
    'i',
  ),
  // "<label>: addr" alone on its line, the label naming the failure or the recipient: IMail's
  // "Unknown user: addr", "Invalid final delivery userid: addr", "User mailbox exceeds allowed
  // size: addr", "Delivery failed 3 attempts: addr" (./imail.ts), "Intended recipient: addr",
  // "Undeliverable Address: addr", "User's mailbox is full: <addr>". Labels of the sender side
  // or of a contact are not a recipient (nor are the lines NOT_RECIPIENT names).
  new RegExp(
    `^\\s*(?![^:]*\\b(?:from|sender|sent|reply|return|author|contact|postmaster|administrator|help|support|cc|bcc)\\b)(?:[A-Za-z][A-Za-z0-9 '()/-]{2,60}):\\s*["']?${A}["']?\\s*\\.?$`,
    'i',
  ),
  // "addr: reason" (qmail, Postfix, Courier, Yahoo), "addr... reason" (Sendmail).
  new RegExp(`^\\s*["']?${A}["']?\\s*(?::|\\.\\.\\.)\\s+\\S`, 'i'),
  // Prose that introduces the recipient.
  new RegExp(
    `(?:(?:failed to|could not|couldn't|cannot|can't|unable to) deliver(?: (?:your |the )?(?:mail|message|e-?mail))? to:?\\s*['"]?|undeliverable to|delivering (?:your |the )?(?:mail|message|e-?mail) to|could not be delivered to|could not deliver (?:mail|message)? ?to|unable to deliver (?:message|mail)? ?to:?|not (?:be )?delivered to:?|(?:unknown|invalid) (?:(?:final )?(?:delivery )?(?:user(?:id)?|recipient|address)):?|(?:delivery )?failed:|rcpt to:?|failed recipients?:?|recipient address:?|final-recipient:\\s*rfc822;|following (?:address|recipient)(?:\\(es\\)|s)?[^:\\n]{0,40}:|for <|mailbox|user|recipient|to:)\\s*${A}`,
    'i',
  ),
  // "addr Invalid Address, ERROR_CODE :550 ..." (Zoho and others): the address, then the error;
  // "addr, ERROR CODE :550 - ..." with a comma after the address.
  new RegExp(`^\\s*${A}[,;]?\\s+\\S.*(error|invalid|unknown|reject|fail|denied|not |\\b[45]\\d\\d\\b)`, 'i'),
  // SMTP reply quoting the recipient: "550 5.1.1 <addr>... User unknown", "550 <addr> No such user".
  new RegExp(`^\\s*[45]\\d\\d[\\s-](?:[45]\\.\\d{1,3}\\.\\d{1,3}\\s+)?${A}`, 'i'),
];

/** Lines whose addresses are the sender or headers, never a failed recipient. */
const NOT_RECIPIENT =
  /(mail from|envelope-from|return-path|reply-to|^\s*from:|^\s*sender:|^\s*by |errors-to|message-id|x-[a-z-]+:|received:|\bfrom <|sent by|smtp\.mailfrom)/i;

function recipientOnLine(line: string): string | undefined {
  if (NOT_RECIPIENT.test(line)) return undefined;
  for (const re of RECIPIENT_LINES) {
    const m = re.exec(line);
    if (m?.[1]) {
      const a = cleanAddress(m[1]);
      if (a && !/^(mailer-daemon|mail-daemon|maildaemon)@/i.test(a)) return a;
    }
  }
  return undefined;
}

/** Lines that carry no diagnostic information (boilerplate around the recipient list). */
const BOILERPLATE =
  /^(-{2,}.*-{2,}|={3,}|\*{3,}|this is a permanent error.*|the following address(es)? failed:?|technical details.*:?|the error that the other server returned was:?|remote host said:?|reason:?|because:?)$/i;

export interface Located {
  address: string;
  line: number;
}

/** Find the recipient lines of a text. */
export function locateRecipients(lines: string[]): Located[] {
  const out: Located[] = [];
  lines.forEach((line, i) => {
    const a = recipientOnLine(line);
    if (a) out.push({ address: a, line: i });
  });
  return out;
}

/** The diagnostic for each located recipient: its own line's remainder and the lines up to the next. */
export function diagnosticsFor(lines: string[], located: Located[]): PlainRecipient[] {
  const seen = new Map<string, PlainRecipient>();
  // The same address named again right below (e.g. "<addr>:" then "550 5.1.1 <addr>... unknown")
  // belongs to the same block: keep the second line whole as diagnostic.
  located = located.filter(
    (loc, k) => k === 0 || located[k - 1]!.address.toLowerCase() !== loc.address.toLowerCase(),
  );
  located.forEach((loc, k) => {
    const end = located[k + 1]?.line ?? lines.length;
    const line = lines[loc.line] ?? '';
    const before = line.slice(0, line.indexOf(loc.address));
    // Keep what precedes the address when it carries the code ("550 5.1.1 <addr>... User unknown").
    let own = /[245]\d\d|[245]\.\d/.test(before) ? line : line.split(loc.address).slice(1).join(loc.address);
    // "<label>: addr" states the failure in its label ("User mailbox exceeds allowed size: addr"):
    // keep the line whole.
    if (/^\s*[A-Za-z][^:]{2,60}:\s*["'<]*$/.test(before) && !own.replace(/[>"'.\s]/g, '')) own = line;
    const rest = lines.slice(loc.line + 1, end).filter((l) => !BOILERPLATE.test(l.trim()));
    let diagnostic = squash([own.replace(/^[>:.\s]+/, ''), ...rest].join(' '));
    // Many families state the error before the address ("Unknown user: addr"); keep that line.
    if (!diagnostic) diagnostic = squash(lines.slice(Math.max(0, loc.line - 2), loc.line + 1).join(' '));
    const key = loc.address.toLowerCase();
    const prev = seen.get(key);
    if (prev) mergeDiagnostic(prev, diagnostic);
    else seen.set(key, { address: loc.address, diagnostic });
  });
  return [...seen.values()];
}

/** Generic reading of a plain-text bounce. */
export function parseGeneric(ctx: PlainContext, failedHeader: string[] = []): PlainRecipient[] {
  const lines = ctx.head.split('\n');
  // Sender-side addresses are excluded by the line context (MAIL FROM, From:), not by value: the
  // sender and the failed recipient can be the same (redacted) address.
  let located = locateRecipients(lines);
  if (failedHeader.length) {
    const wanted = new Set(failedHeader.map((f) => f.toLowerCase()));
    const onlyWanted = located.filter((l) => wanted.has(l.address.toLowerCase()));
    located = onlyWanted.length ? onlyWanted : located;
  }
  const found = diagnosticsFor(lines, located);
  // X-Failed-Recipients (Exim, Gmail) names recipients the prose may only hint at.
  for (const f of failedHeader) {
    if (!found.some((r) => r.address.toLowerCase() === f.toLowerCase())) {
      found.push({ address: f, diagnostic: squash(ctx.head).slice(0, 1000) });
    }
  }
  return found.filter((r) => !isSystemAddress(r.address) || found.length === 1);
}
