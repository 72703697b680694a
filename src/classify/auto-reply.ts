/**
 * Automatic replies (RFC 3834) and out-of-office notices, and the list/bulk marking of ordinary
 * mail. RFC 3834 defines an automatic reply as a machine's answer to a message: it is known by
 * `Auto-Submitted: auto-replied`, by the vendor fields auto-responders add, or by a subject prefix
 * or sentence that only an auto-responder writes. `Precedence: bulk|junk|list` is never enough on
 * its own: Mailman sets `junk` on every list post and newsletters set `bulk` (RFC 3834 section 3.1.8
 * only asks responders not to answer such mail). A person's reply that quotes an auto-reply keeps
 * neither the fields nor the prefix (it gets "Re:"), so it stays a message.
 */
import type { BulkInfo, ParsedMail } from '../types.js';
import { headerValue } from '../parse/header-block.js';
import { bodyText, phrases } from './text.js';

export interface AutoReplyResult {
  kind: 'auto-reply' | 'out-of-office';
  evidence: string[];
}

/*
 * Subject prefixes auto-responders put before the original subject, always followed by a colon
 * (a person's "Out of office next week" has none). Outlook / Exchange: "Automatic reply:",
 * "Out of Office:", "Out of Office AutoReply:" and their localisations; Dovecot Pigeonhole's
 * Zimbra, cPanel, vacation(1): "Auto reply:", "Autoreply:", "Autoresponder:". (Dovecot Pigeonhole's
 * "Auto:" is left out: it is also the German and Dutch word for car.)
 */
const RESPONDER_PREFIX = phrases([
  'auto(?:matic|matische|matisch|matiskt?|maattinen|matyczna)?[- ]?(?:reply|response|answer|antwort|antwoord|svar|vastaus|odpowied(?:ź|z))', // Outlook "Automatic reply", "Automatische Antwort", "Automatisch antwoord", "Automatiskt svar"
  'autosvar', // Outlook (da, no)
  'autoreply', // vacation(1), cPanel
  'autoresponder', // cPanel
  'r(?:é|e)ponse automatique', // Outlook (fr)
  'respuesta autom(?:á|a)tica', // Outlook (es)
  'risposta automatica', // Outlook (it)
  'resposta autom(?:á|a)tica', // Outlook (pt)
  '自動(?:応答|返信)', // Outlook (ja)
  '自动回复', // Outlook (zh)
]);

/** Prefixes that also say the sender is absent: out-of-office, not only auto-reply. */
const ABSENCE_PREFIX = phrases([
  'out of (?:the )?office(?: autoreply| auto reply| reply)?', // Outlook / Exchange before 2010
  'abwesenheitsnotiz', // Outlook (de)
  'automatische abwesenheitsnachricht', // (de)
  'abwesenheit', // (de)
  'nicht im b(?:ü|ue)ro', // (de)
  'absent(?:e)? du bureau', // Outlook (fr)
  'absence du bureau', // (fr)
  "message d'absence", // (fr)
  'fuera de (?:la )?oficina', // Outlook (es)
  'fuori (?:sede|ufficio)', // (it)
  'fora do escrit(?:ó|o)rio', // (pt)
  'afwezig(?:heidsbericht)?', // (nl)
  'buiten kantoor', // (nl)
  'frav(?:æ|ae)r(?:ende)?', // (da, no)
  'ikke p(?:å|aa) kontoret', // (da, no)
  'borte fra kontoret', // (no)
  'ude af kontoret', // (da)
  'fr(?:å|a)nvar(?:o|ande)', // (sv)
  '(?:ej|inte) p(?:å|a) kontoret', // (sv)
  'poissa toimistolta', // (fi)
  'poza biurem', // (pl)
  '不在(?:通知|のお知らせ)', // (ja)
  '不在办公室', // (zh)
]);

/** A responder's prefix at the start of the subject (after a list tag), then a colon. */
const RESPONDER_SUBJECT = new RegExp(
  `^\\s*(?:\\[[^\\]]*\\]\\s*)?(?:${RESPONDER_PREFIX.source})\\s*[:：]`,
  'i',
);
const ABSENCE_SUBJECT = new RegExp(`^\\s*(?:\\[[^\\]]*\\]\\s*)?(?:${ABSENCE_PREFIX.source})\\s*[:：]`, 'i');
/** Lotus Notes / Domino's out-of-office agent: "<Name> is out of the office." as the whole subject. */
const NOTES_SUBJECT = /^[^:]{1,80} is out of the office\.?\s*$/i;

/*
 * Sentences of auto-responders' own templates, not of people who mention a holiday. These count
 * only with a supporting field (below), never alone: a person can paste one.
 */
const RESPONDER_WORDING = phrases([
  'this is an? (?:automatic|automated|auto-generated) (?:reply|response|message|e-?mail)', // vacation(1), Zimbra, cPanel, helpdesk responders
  'this (?:is an )?auto-?(?:reply|response)', // cPanel autoresponder
  'i will be out of the office starting', // Lotus Notes OOO agent template
  'and will not return until', // Lotus Notes OOO agent template
  'i am (?:currently )?out of the office', // Outlook OOO templates
  'is out of the office', // Issue #12; Notes "<Name> is out of the office"
  'your (?:mail|message|e-?mail) (?:concerning|regarding) .{0,80} will be read when', // BSD vacation(1) .vacation.msg default
  'ich bin (?:derzeit |zur zeit )?(?:nicht im b(?:ü|ue)ro|abwesend)', // (de)
  'je suis (?:actuellement )?absent', // (fr)
]);

/** Body wording of an absence notice, to tell an out-of-office among automatic replies. */
const OOO_BODY =
  /out of (the )?office|on (vacation|holiday|leave|annual leave|parental leave)|away (from|until)|limited access to (my )?e-?mail|i am (currently )?(away|absent|out)|abwesend|nicht im b(ü|ue)ro|urlaub|absent(e)? du bureau|en cong(é|e)s?|fuera de la oficina|de vacaciones|afwezig|met vakantie|frav(æ|ae)rende|på ferie|ledig|semester|tjänstledig|不在|休暇/i;

/** Subject words of absence, to tell an out-of-office once the mail is known to be automatic. */
const OOO_SUBJECT_WORDS =
  /out of (the )?office|\booo\b|on (vacation|leave)|away until|vacation|absen(ce|t)|abwesen|urlaub|cong(é|e)|vacaciones|afwezig|frav(æ|ae)r|frånvar|lomalla|poissa|不在|休暇|外出中|休假/i;

const REPLY_PREFIX = /^\s*(re|aw|sv|vs|antw|r|rif|fw|fwd|wg|tr)\s*:/i;

/** Vendor header fields that mark automatic answers (Exchange, Gmail, Zimbra, cPanel, vacation(1)). */
const VENDOR_FIELDS = [
  'x-autoreply',
  'x-autorespond',
  'x-autogenerated',
  'x-autoreply-from',
  'x-mail-autoreply',
  'x-zimbra-autoreply',
  'x-vacation',
  'x-ms-exchange-inbox-rules-loop',
];

/** List and bulk traffic (RFC 2369 / RFC 2919 list fields, the de facto Precedence field). */
export function bulkInfo(mail: ParsedMail): BulkInfo | undefined {
  const listId = headerValue(mail.headers, 'list-id')?.trim();
  const precedence = headerValue(mail.headers, 'precedence')?.trim().toLowerCase();
  const bulkPrecedence = precedence === 'bulk' || precedence === 'junk' || precedence === 'list';
  // RFC 2919: the list identifier is the part in angle brackets; the phrase before it is a label.
  const list = listId ? (/<([^<>]+)>/.exec(listId)?.[1] ?? listId).trim() : undefined;
  const listFields = list !== undefined || headerValue(mail.headers, 'list-post') !== undefined;
  if (!listFields && !bulkPrecedence) return undefined;
  return {
    ...(list ? { list } : {}),
    ...(precedence ? { precedence } : {}),
  };
}

/** The first lines of the body a person or program wrote, without quoted ("> ") lines. */
function ownWords(mail: ParsedMail): string {
  return bodyText(mail)
    .slice(0, 3000)
    .split('\n')
    .filter((l) => !/^\s*[>|]/.test(l))
    .join('\n')
    .slice(0, 1500);
}

export function detectAutoReply(mail: ParsedMail): AutoReplyResult | null {
  // Evidence in the order it was read; `strong` decides, `support` only backs wording up.
  const evidence: string[] = [];
  let strong = false;
  let support = false;
  const add = (text: string, decides: boolean) => {
    evidence.push(text);
    if (decides) strong = true;
    else support = true;
  };
  const autoSubmitted = headerValue(mail.headers, 'auto-submitted')?.trim();
  // RFC 3834 section 5: "auto-replied" is an automatic response; "auto-generated" (and
  // extensions such as RFC 5436's "auto-notified") is automatic mail that answers nothing, e.g.
  // a notification. Exchange marks its automatic replies "auto-generated" too, so that supports.
  if (autoSubmitted && !/^no\b/i.test(autoSubmitted))
    add(`Auto-Submitted: ${autoSubmitted}`, /^auto-replied\b/i.test(autoSubmitted));
  for (const name of VENDOR_FIELDS) {
    const v = headerValue(mail.headers, name);
    if (v !== undefined && !/^\s*(no|false|0)\s*$/i.test(v)) add(`${name}: ${v}`.slice(0, 100), true);
  }
  const precedence = headerValue(mail.headers, 'precedence')?.trim().toLowerCase();
  if (precedence === 'auto_reply') add('Precedence: auto_reply', true);
  // vacation(1) marks its answers "Precedence: bulk|junk"; on list traffic the field says nothing.
  else if ((precedence === 'bulk' || precedence === 'junk') && !isListPost(mail))
    add(`Precedence: ${precedence}`, false);

  const subject = mail.subject ?? '';
  const replied = REPLY_PREFIX.test(subject);
  const absenceSubject = !replied && (ABSENCE_SUBJECT.test(subject) || NOTES_SUBJECT.test(subject));
  if (absenceSubject) add(`out-of-office subject "${subject.slice(0, 60)}"`, true);
  else if (!replied && RESPONDER_SUBJECT.test(subject))
    add(`automatic-reply subject "${subject.slice(0, 60)}"`, true);
  const suppress = headerValue(mail.headers, 'x-auto-response-suppress');
  if (suppress) add(`X-Auto-Response-Suppress: ${suppress}`, false);

  const words = ownWords(mail);
  const wording = RESPONDER_WORDING.exec(words);
  if (!strong && support && wording) add(`auto-responder wording "${wording[0].slice(0, 60)}"`, true);

  if (!strong) return null;
  const ooo =
    absenceSubject ||
    /vacation/i.test(autoSubmitted ?? '') ||
    headerValue(mail.headers, 'x-vacation') !== undefined ||
    OOO_SUBJECT_WORDS.test(subject) ||
    OOO_BODY.test(words);
  return { kind: ooo ? 'out-of-office' : 'auto-reply', evidence };
}

function isListPost(mail: ParsedMail): boolean {
  return ['list-id', 'list-post', 'list-unsubscribe', 'mailing-list'].some(
    (name) => headerValue(mail.headers, name) !== undefined,
  );
}
