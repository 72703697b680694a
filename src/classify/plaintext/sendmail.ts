/**
 * Sendmail's plain-text bounce (V5 Sendmail, and V8 without a DSN part): a session transcript
 * between "----- Transcript of session follows -----" and "----- Unsent message follows -----".
 *
 *   While talking to mail.example.org:
 *   >>> RCPT To:<kim@example.org>
 *   <<< 550 Requested User Mailbox not found. No such user here.
 *   550 <kim@example.org>... User unknown
 *
 * Each "NNN <addr>... text" line is one failed recipient; the remote server's own reply ("<<<")
 * that came just before it is its diagnostic too, and the ">>>" line says which SMTP command the
 * reply answered (which tells a missing mailbox at RCPT from a content refusal at DATA).
 * Lines like "550 example.org (smtp)... Host unknown" are the host's error, not a recipient.
 */
import { ADDRESS_SOURCE, cleanAddress, squash } from '../text.js';
import { commandOfVerb, type SmtpCommand } from '../wording.js';
import { afterLead, mergeDiagnostic } from './blocks.js';
import type { PlainContext, PlainRecipient, PlainRecogniser } from './types.js';

const TRANSCRIPT_START = /^\s*-+\s*Transcript of (the )?session follows\s*-+\s*$/im;
const RECIPIENT_LINE = new RegExp(`^([45]\\d\\d)\\s+<?(${ADDRESS_SOURCE})>?\\.\\.\\.\\s*(.*)$`);
const HOST_ERROR = /^([45]\d\d)\s+\S+\s+\([a-z]+\)\.\.\.\s*(.*)$/i;

function parseTranscript(ctx: PlainContext, start: RegExpExecArray): PlainRecipient[] {
  const lines = afterLead(ctx.head, start).split('\n');
  const out: PlainRecipient[] = [];
  let command: SmtpCommand | undefined;
  let reply: string[] = [];
  let hostError: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (/^while talking to /i.test(line)) {
      command = undefined;
      reply = [];
      continue;
    }
    const cmd = /^>>>\s*([A-Z]{4})\b/i.exec(line);
    if (cmd) {
      command = commandOfVerb(cmd[1]!);
      continue;
    }
    if (line.startsWith('<<<')) {
      reply.push(line.slice(3).trim());
      continue;
    }
    const rcpt = RECIPIENT_LINE.exec(line);
    if (rcpt) {
      const address = cleanAddress(rcpt[2]!);
      const own = `${rcpt[1]} ${rcpt[3]}`;
      // The reply belongs to the first recipient line after it, not to every later one.
      const diagnostic = squash([own, ...reply].join(' '));
      reply = [];
      const prev = out.find((r) => r.address.toLowerCase() === address.toLowerCase());
      if (prev) {
        mergeDiagnostic(prev, own);
        continue;
      }
      out.push({ address, diagnostic, ...(command ? { command } : {}) });
      continue;
    }
    const host = HOST_ERROR.exec(line);
    if (host) hostError = `${host[1]} ${host[2]}`;
  }
  // Recipients whose line said nothing but the code take the host's error.
  if (hostError) for (const r of out) if (/^\d{3}\s*$/.test(r.diagnostic)) r.diagnostic = hostError;
  return out;
}

export const sendmail: PlainRecogniser = {
  name: 'sendmail',
  detect: (ctx) =>
    /returned mail|undeliver|failure/i.test(ctx.subject) ? TRANSCRIPT_START.exec(ctx.head) : null,
  parse: parseTranscript,
};
