/**
 * Sentences MTAs print around every report whatever went wrong. Left in a recipient's diagnostic
 * they make the wording look like another reason: Exim's delay warning promises that the software
 * "will give up" eventually (read as "expired"), OpenSMTPD says "temporary failure report".
 */
const SENTENCES: RegExp[] = [
  // Exim (src/deliver.c delay warnings and bounces)
  /No action is required on your part\.?/gi,
  /Delivery attempts will continue for some time, and this warning may be repeated at intervals if the message remains undelivered\.?/gi,
  /Eventually the mail delivery software will give up, and when that happens, the message will be returned to you\.?/gi,
  /This message was created automatically by mail delivery software\.?/gi,
  /A message that you sent has not yet been delivered to one or more of its recipients after more than \d+ (minutes|hours|days) on the queue on [^\s.]+(\.[^\s.]+)*\.?/gi,
];

/** The diagnostic without the boilerplate sentences; the text unchanged when nothing is left. */
export function withoutBoilerplate(text: string): string {
  let out = text;
  for (const re of SENTENCES) out = out.replace(re, ' ');
  out = out.replace(/\s+/g, ' ').trim();
  return out || text;
}
