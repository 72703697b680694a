/**
 * Phrase tables for the lines mail clients write above a quoted message, and the markers of
 * forwarded mail (which is content, never quote). One client and language per line, written from
 * how each client formats its own replies; compiled once at module load.
 */

export interface Phrase {
  /** Who writes it, e.g. "Gmail (de)"; ends up in `method` as the language code. */
  client: string;
  lang: string;
  re: RegExp;
  /** Shape alone is weak evidence ("... wrote:" could end a sentence): counts only when quoted
   * lines (`>` or a blockquote) follow it. */
  weak?: boolean;
}

/**
 * Attribution lines ("On <date>, <name> wrote:"). Matched against one line, or two or three lines
 * joined with a space: Gmail and Apple Mail wrap the line when the name and address are long.
 * `.{1,300}?` between the opening word and the verb holds the date and the name.
 */
export const ATTRIBUTION: readonly Phrase[] = [
  // Gmail, Apple Mail, Thunderbird, K-9 (en): "On Mon, 10 Mar 2025 at 10:00, Ole <o@x> wrote:"
  { client: 'Gmail/Apple Mail/Thunderbird (en)', lang: 'en', re: /^On\b.{1,300}?\bwrote\s*:$/i },
  // Gmail, Thunderbird (de): "Am Mo., 10. März 2025 um 10:00 Uhr schrieb Ole <o@x>:"
  { client: 'Gmail/Thunderbird (de)', lang: 'de', re: /^Am\b.{1,300}?\bschrieb\b.{0,300}:$/i },
  // Apple Mail (de): "Am 10.03.2025 um 10:00 schrieb Ole <o@x>:" (same shape); older: "Ole <o@x> schrieb:"
  { client: 'Apple Mail/Thunderbird (de)', lang: 'de', re: /^.{1,300}?\bschrieb\s*:$/i, weak: true },
  // Gmail, Apple Mail (fr): "Le lun. 10 mars 2025 à 10:00, Ole <o@x> a écrit :"
  { client: 'Gmail/Apple Mail (fr)', lang: 'fr', re: /^Le\b.{1,300}?\ba\s+écrit\s*:$/i },
  // Gmail, Apple Mail (es): "El lun, 10 mar 2025 a las 10:00, Ole (<o@x>) escribió:"
  { client: 'Gmail/Apple Mail (es)', lang: 'es', re: /^El\b.{1,300}?\bescribió\s*:$/i },
  // Gmail, Apple Mail (nl): "Op ma 10 mrt 2025 om 10:00 schreef Ole <o@x>:"
  { client: 'Gmail/Apple Mail (nl)', lang: 'nl', re: /^Op\b.{1,300}?\bschreef\b.{0,300}:$/i },
  // Gmail, Outlook mobile (fi): "ma 10. maalisk. 2025 klo 10.00 Ole (o@x) kirjoitti:"
  { client: 'Gmail (fi)', lang: 'fi', re: /^.{0,300}?\d.{0,300}?\bkirjoitti\s*:$/i },
  // Gmail, Apple Mail (sv, da): "Den mån 10 mars 2025 kl 10:00 skrev Ole <o@x>:"
  { client: 'Gmail/Apple Mail (sv/da)', lang: 'sv', re: /^Den\b.{1,300}?\bskrev\b.{0,300}:$/i },
  // Gmail (nb, da without "Den"): "man. 10. mar. 2025 kl. 10:00 skrev Ole <o@x>:"
  { client: 'Gmail (nb/da)', lang: 'no', re: /^.{0,300}?\d.{0,300}?\bskrev\b.{0,300}:$/i },
  // Gmail, Apple Mail (it): "Il giorno lun 10 mar 2025 alle ore 10:00 Ole <o@x> ha scritto:"
  { client: 'Gmail/Apple Mail (it)', lang: 'it', re: /^Il\b.{1,300}?\bha\s+scritto\s*:$/i },
  // Gmail, Apple Mail (pt): "Em seg., 10 de mar. de 2025 às 10:00, Ole <o@x> escreveu:"
  { client: 'Gmail/Apple Mail (pt)', lang: 'pt', re: /^Em\b.{1,300}?\bescreveu\s*:$/i },
  // Gmail (pl): "pon., 10 mar 2025 o 10:00 Ole <o@x> napisał(a):"; Thunderbird (pl): "W dniu ... pisze:"
  {
    client: 'Gmail/Thunderbird (pl)',
    lang: 'pl',
    re: /^.{1,300}?(?:napisał\(a\)|napisał|napisała|pisze)\s*:$/i,
    weak: true,
  },
  // Thunderbird's older and mutt's default (en): "Ole <o@x> wrote:" / "* Ole <o@x> [2025-03-10 10:00]:"
  { client: 'Thunderbird/mutt (en)', lang: 'en', re: /^.{1,300}?\bwrote\s*:$/i, weak: true },
];

/**
 * "-----Original Message-----" as Outlook (and Lotus, Exchange OWA) writes it, in the languages of
 * Outlook's UI. A reply separator, not a forward marker: Outlook uses it for both, so a mail whose
 * subject says forward is judged by the subject (see forwardSubject).
 */
export const ORIGINAL_MESSAGE: readonly Phrase[] = [
  // Outlook (en) "-----Original Message-----"; older Outlook Express "----- Original Message -----"
  { client: 'Outlook (en)', lang: 'en', re: /^-{2,}\s*Original\s+Message\s*-{2,}$/i },
  { client: 'Outlook (de)', lang: 'de', re: /^-{2,}\s*Ursprüngliche\s+Nachricht\s*-{2,}$/i },
  { client: 'Outlook (fr)', lang: 'fr', re: /^-{2,}\s*Message\s+d['’]origine\s*-{2,}$/i },
  { client: 'Outlook (es)', lang: 'es', re: /^-{2,}\s*Mensaje\s+original\s*-{2,}$/i },
  { client: 'Outlook (nl)', lang: 'nl', re: /^-{2,}\s*Oorspronkelijk\s+bericht\s*-{2,}$/i },
  { client: 'Outlook (sv)', lang: 'sv', re: /^-{2,}\s*Ursprungligt\s+meddelande\s*-{2,}$/i },
  { client: 'Outlook (da)', lang: 'da', re: /^-{2,}\s*Oprindelig\s+meddelelse\s*-{2,}$/i },
  { client: 'Outlook (nb)', lang: 'no', re: /^-{2,}\s*Opprinnelig\s+melding\s*-{2,}$/i },
  { client: 'Outlook (fi)', lang: 'fi', re: /^-{2,}\s*Alkuperäinen\s+viesti\s*-{2,}$/i },
  { client: 'Outlook (it)', lang: 'it', re: /^-{2,}\s*Messaggio\s+originale\s*-{2,}$/i },
  { client: 'Outlook (pt)', lang: 'pt', re: /^-{2,}\s*Mensagem\s+original\s*-{2,}$/i },
];

/**
 * Forward markers: what follows is the forwarded message, which is the content of the mail.
 */
export const FORWARD: readonly Phrase[] = [
  // Gmail "---------- Forwarded message ---------" (and its translations, same dashes)
  { client: 'Gmail (en)', lang: 'en', re: /^-{2,}\s*Forwarded\s+message\s*-{2,}$/i },
  { client: 'Gmail/Thunderbird (de)', lang: 'de', re: /^-{2,}\s*Weitergeleitete\s+Nachricht\s*-{2,}$/i },
  { client: 'Gmail/Thunderbird (fr)', lang: 'fr', re: /^-{2,}\s*Message\s+transféré\s*-{2,}$/i },
  { client: 'Gmail/Thunderbird (es)', lang: 'es', re: /^-{2,}\s*Mensaje\s+reenviado\s*-{2,}$/i },
  { client: 'Gmail/Thunderbird (nl)', lang: 'nl', re: /^-{2,}\s*Doorgestuurd\s+bericht\s*-{2,}$/i },
  { client: 'Gmail (sv)', lang: 'sv', re: /^-{2,}\s*Vidarebefordrat\s+meddelande\s*-{2,}$/i },
  { client: 'Gmail (da/nb)', lang: 'da', re: /^-{2,}\s*Videresendt\s+(?:meddelelse|melding)\s*-{2,}$/i },
  { client: 'Gmail (fi)', lang: 'fi', re: /^-{2,}\s*Välitetty\s+viesti\s*-{2,}$/i },
  { client: 'Gmail (it)', lang: 'it', re: /^-{2,}\s*Messaggio\s+inoltrato\s*-{2,}$/i },
  { client: 'Gmail (pt)', lang: 'pt', re: /^-{2,}\s*Mensagem\s+encaminhada\s*-{2,}$/i },
  // Thunderbird (en) "-------- Forwarded Message --------"; Outlook.com "----- Forwarded Message -----"
  { client: 'Thunderbird (en)', lang: 'en', re: /^-{2,}\s*Forwarded\s+Message\s*-{2,}$/i },
  // Apple Mail "Begin forwarded message:" and its translations
  { client: 'Apple Mail (en)', lang: 'en', re: /^Begin\s+forwarded\s+message\s*:$/i },
  {
    client: 'Apple Mail (de)',
    lang: 'de',
    re: /^Anfang\s+der\s+weitergeleiteten\s+(?:Nachricht|E-Mail)\s*:$/i,
  },
  { client: 'Apple Mail (fr)', lang: 'fr', re: /^Début\s+du\s+message\s+(?:réexpédié|transféré)\s*:$/i },
  { client: 'Apple Mail (es)', lang: 'es', re: /^(?:Comienzo|Inicio)\s+del\s+mensaje\s+reenviado\s*:$/i },
  {
    client: 'Apple Mail (nl)',
    lang: 'nl',
    re: /^Begin\s+(?:van\s+het\s+)?doorgestuurd(?:e)?\s+bericht\s*:$/i,
  },
  { client: 'Apple Mail (sv)', lang: 'sv', re: /^Vidarebefordrat\s+mejl\s*:$/i },
  {
    client: 'Apple Mail (da/nb)',
    lang: 'da',
    re: /^(?:Start\s+på\s+)?videresendt\s+(?:besked|melding|e-post)\s*:$/i,
  },
];

/**
 * Outlook's header block (desktop, OWA, Outlook for Mac, new Outlook) in plain text:
 * "From: ...", "Sent: ...", "To: ...", "Subject: ..." with the labels of the UI language. Gmail's
 * text rendering of Outlook HTML shows the bold labels as "*From:*", so stars are allowed around them.
 */
export type HeaderField = 'from' | 'sent' | 'to' | 'cc' | 'subject';
const LABELS: Record<HeaderField, string[]> = {
  // en, de, fr, es, nl, sv, da/nb, fi, it, pt
  from: ['From', 'Von', 'De', 'Van', 'Från', 'Fra', 'Lähettäjä', 'Da'],
  sent: [
    'Sent',
    'Date',
    'Gesendet',
    'Datum',
    'Envoyé',
    'Envoyé le',
    'Enviado',
    'Enviado el',
    'Fecha',
    'Verzonden',
    'Skickat',
    'Sendt',
    'Dato',
    'Lähetetty',
    'Päivämäärä',
    'Inviato',
    'Data',
  ],
  to: ['To', 'An', 'À', 'A', 'Para', 'Aan', 'Till', 'Til', 'Vastaanottaja', 'Destinataire'],
  cc: ['Cc', 'Kopie', 'Kopia', 'Kopi', 'Kopio'],
  subject: [
    'Subject',
    'Betreff',
    'Objet',
    'Asunto',
    'Onderwerp',
    'Ämne',
    'Emne',
    'Aihe',
    'Oggetto',
    'Assunto',
  ],
};

function labelRe(labels: string[]): RegExp {
  const alt = labels.map((l) => l.replace(/ /g, '\\s+')).join('|');
  // "*From:*", "From:", French "De :" (space before the colon).
  return new RegExp(`^\\*?(?:${alt})\\s?:\\*?(?:\\s|$)`, 'i');
}

const FIELD_RES = Object.entries(LABELS).map(([field, labels]) => ({
  field: field as HeaderField,
  re: labelRe(labels),
}));

/** Which Outlook header field a line starts with, if any. */
export function headerFieldOf(line: string): HeaderField | undefined {
  const t = line.trim();
  for (const f of FIELD_RES) if (f.re.test(t)) return f.field;
  return undefined;
}

/** The language of an Outlook "From:" label, for `method` (best effort, from the label itself). */
export function fromLabelLang(line: string): string {
  const l = /^\*?([^\s:*]+)/.exec(line.trim())?.[1]?.toLowerCase() ?? '';
  const byLabel: Record<string, string> = {
    from: 'en',
    von: 'de',
    de: 'fr/es/pt',
    van: 'nl',
    från: 'sv',
    fra: 'da/no',
    lähettäjä: 'fi',
    da: 'it',
  };
  return byLabel[l] ?? 'other';
}

/**
 * Does an Outlook header block start at `lines[i]`? A From line followed, within the next lines of
 * the block (wrapped address lists included), by at least two of Sent/Date, To and Subject: a lone
 * "From:" in a sentence is not enough.
 */
export function outlookBlockAt(lines: readonly string[], i: number): boolean {
  if (headerFieldOf(lines[i] ?? '') !== 'from') return false;
  const seen = new Set<HeaderField>();
  for (let k = i + 1; k < Math.min(lines.length, i + 10); k++) {
    const line = lines[k] ?? '';
    if (line.trim() === '') {
      if (seen.size > 0) break;
      continue;
    }
    const f = headerFieldOf(line);
    if (f && f !== 'from') seen.add(f);
  }
  let n = 0;
  for (const f of ['sent', 'to', 'subject'] as const) if (seen.has(f)) n++;
  return n >= 2;
}

export function matchPhrase(table: readonly Phrase[], text: string): Phrase | undefined {
  const t = text.trim();
  // Every phrase ends in ":" or "-": a cheap test that spares the regexes almost every line.
  if (t.length > 400 || !/[:-]$/.test(t)) return undefined;
  for (const p of table) if (p.re.test(t)) return p;
  return undefined;
}

/**
 * Subject prefixes that mean "forward" in the clients' UI languages: Fwd/Fw (en), WG (de),
 * TR (fr), RV/Rv (es), Doorst (nl), VS (sv, fi), VB (sv Outlook), Vs/Videres (nb), I (it), ENC (pt).
 */
const FORWARD_SUBJECT = /^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|wg|tr|rv|doorst|vs|vb|vl|videres|i|enc|fw)\s*:/i;

export function forwardSubject(subject: string): boolean {
  return FORWARD_SUBJECT.test(subject);
}

/** A line that opens quoted history on its own: an attribution, "-----Original Message-----" or "From:". */
export function looksLikeQuoteHeader(line: string): boolean {
  return (
    line.length <= 300 &&
    (!!matchPhrase(ATTRIBUTION, line) ||
      !!matchPhrase(ORIGINAL_MESSAGE, line) ||
      headerFieldOf(line) === 'from')
  );
}
