/**
 * Signatures at the end of the new part of a mail. Three kinds of evidence, strongest first:
 * the RFC 3676 §4.3 delimiter line "-- ", a mobile client's "Sent from my ..." line, and a short
 * closing block (a valediction followed by the sender's name), which counts only with that name.
 */

/** RFC 3676 §4.3: "-- " alone on a line. Clients and MTAs that strip trailing spaces leave "--". */
const DELIMITER = /^-- ?$/;

/**
 * Lines mobile and webmail clients append by default. One client family per line.
 */
export const SENT_FROM: readonly RegExp[] = [
  // iOS Mail, Android clients, Samsung Email, BlackBerry (en)
  /^Sent from my (?:iPhone|iPad|iPod|Android|Samsung|Galaxy|BlackBerry|Huawei|mobile|phone|smartphone|Windows Phone)\b.{0,60}$/i,
  // Mail for Windows 10/11, Yahoo Mail apps, AOL, ProtonMail, Outlook.com mobile
  /^Sent from (?:Mail for Windows|Yahoo Mail|AOL Mobile Mail|Proton Mail|ProtonMail|Outlook|Gmail Mobile|my mobile device)\b.{0,60}$/i,
  // Outlook mobile (en): "Get Outlook for iOS<https://aka.ms/o0ukef>" / "Get Outlook for Android"
  /^Get Outlook for (?:iOS|Android)\b.{0,60}$/i,
  // iOS Mail / Android (de)
  /^(?:Gesendet|Von meinem) (?:von|mit) (?:meinem|der)? ?.{0,40}(?:iPhone|iPad|Android|Samsung|Galaxy|Mobiltelefon|Smartphone|App)\b.{0,40}$/i,
  /^Von meinem (?:iPhone|iPad|Android|Samsung|Galaxy|Smartphone|Mobiltelefon).{0,40}gesendet$/i,
  // Outlook mobile (de)
  /^Outlook für (?:iOS|Android) beziehen\b.{0,60}$/i,
  // iOS Mail (fr): "Envoyé de mon iPhone"
  /^Envoyé (?:de|depuis) (?:mon|ma) .{0,40}$/i,
  // iOS Mail (es): "Enviado desde mi iPhone"
  /^Enviado desde mi .{0,40}$/i,
  // iOS Mail (nl): "Verzonden vanaf mijn iPhone", Android "Verzonden met ..."
  /^Verzonden (?:vanaf|van|met) (?:mijn )?.{0,40}$/i,
  // iOS Mail (sv): "Skickat från min iPhone"
  /^Skickat från min .{0,40}$/i,
  // iOS Mail (da, nb): "Sendt fra min iPhone"
  /^Sendt fra (?:min|mi|mitt) .{0,40}$/i,
  // iOS Mail (fi): "Lähetetty iPhonesta"
  /^Lähetetty (?:iPhonesta|iPadista|Android-laitteesta|.{0,30}(?:puhelimesta|laitteesta))\b.{0,40}$/i,
  // iOS Mail (it, pt)
  /^Inviato da (?:iPhone|iPad|il mio|dal mio) ?.{0,40}$/i,
  /^Enviado do meu .{0,40}$/i,
];

/** Longest (trimmed) line taken for a "Sent from my ..." line. */
export const SENT_FROM_MAX_LENGTH = 119;

/**
 * The words every SENT_FROM line begins with, lowercase (test/reply-html-gate.test.ts checks each
 * pattern against this list). The HTML splitter's string-level gate (src/reply/html-gate.ts) drops
 * a line as soon as its start fits none of them, instead of testing every pattern on every text
 * node of a table-heavy newsletter.
 */
export const SENT_FROM_FIRST_WORDS: readonly string[] = [
  'sent',
  'get',
  'gesendet',
  'von',
  'outlook',
  'envoyé',
  'enviado',
  'verzonden',
  'skickat',
  'sendt',
  'lähetetty',
  'inviato',
];

/**
 * Whether a line beginning with `start` (whitespace-collapsed, trimmed at its start) may still
 * become a SENT_FROM line: its first characters agree with one of SENT_FROM_FIRST_WORDS.
 */
export function mayBeSentFromStart(start: string): boolean {
  const head = start.slice(0, 10).toLowerCase();
  for (const w of SENT_FROM_FIRST_WORDS) {
    const n = Math.min(w.length, head.length);
    if (head.slice(0, n) === w.slice(0, n)) return true;
  }
  return false;
}

export function isSentFromLine(line: string): boolean {
  const t = line.trim();
  return t.length > 0 && t.length <= SENT_FROM_MAX_LENGTH && SENT_FROM.some((re) => re.test(t));
}

/**
 * Valedictions that open a closing block, in the languages our customers write. Only the whole
 * line counts ("Best regards," yes; "Best regards to your team for the fix" no).
 */
const VALEDICTION =
  /^(?:(?:best|kind|warm|many|with)\s+(?:regards|wishes|thanks)|regards|br|cheers|thanks|thank you|many thanks|thanks again|sincerely|yours(?: sincerely| truly)?|mit freundlichen grüßen|mit freundlichen grüssen|mfg|viele grüße|viele grüsse|beste grüße|liebe grüße|lg|gruß|grüße|cordialement|bien cordialement|bien à vous|salutations|saludos(?: cordiales)?|un saludo|atentamente|met vriendelijke groet(?:en)?|groeten|mvg|med vänliga hälsningar|vänliga hälsningar|mvh|med venlig hilsen|venlig hilsen|med vennlig hilsen|vennlig hilsen|hilsen|ystävällisin terveisin|terveisin|cordiali saluti|saluti|atenciosamente|abraços)[\s,.!]*$/i;

export interface SignatureFound {
  /** Index of the first line of the signature in the given lines. */
  start: number;
  kind: 'rfc3676' | 'sent-from' | 'closing';
}

/**
 * Find the signature at the end of `lines` (the new part, quoted lines already removed).
 * `senderNames` are the words of the From display name; a closing block needs one of them.
 */
export function findSignature(
  lines: readonly string[],
  senderNames: readonly string[],
): SignatureFound | undefined {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
  if (end === 0) return undefined;

  // RFC 3676 §4.3: the last delimiter line, with a short block after it (a "-- " far from the end
  // is more likely a separator in the text than a signature).
  for (let i = end - 1; i >= 0 && end - i <= 25; i--) {
    if (DELIMITER.test(lines[i] ?? '') && i < end - 1) return { start: i, kind: 'rfc3676' };
  }

  // A mobile client's line among the last two non-empty lines.
  let seen = 0;
  for (let i = end - 1; i >= 0 && seen < 2; i--) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    seen++;
    if (isSentFromLine(line)) return { start: i, kind: 'sent-from' };
  }

  // A closing block: valediction, then 1-4 short lines, one of which carries the sender's name.
  const names = senderNames.map((n) => n.toLowerCase()).filter((n) => n.length >= 2);
  if (names.length === 0) return undefined;
  for (let i = end - 2; i >= 0 && end - i <= 5; i--) {
    if (!VALEDICTION.test((lines[i] ?? '').trim())) continue;
    const after = lines.slice(i + 1, end).filter((l) => l.trim() !== '');
    if (after.length === 0 || after.length > 4 || after.some((l) => l.trim().length > 60)) return undefined;
    const hasName = after.some((l) => {
      const words = l.toLowerCase().split(/[^\p{L}\p{M}'-]+/u);
      return names.some((n) => words.includes(n));
    });
    return hasName ? { start: i, kind: 'closing' } : undefined;
  }
  return undefined;
}

/** The words of a display name ("Berg, Ingrid (IT)" -> berg, ingrid, it). */
export function nameWords(displayName: string | undefined): string[] {
  if (!displayName) return [];
  return displayName.split(/[^\p{L}\p{M}'-]+/u).filter((w) => w.length >= 2);
}
