import { describe, expect, it } from 'vitest';
import { mappingOptions } from '../src/commands/context.js';
import { parseConfig } from '../src/config.js';
import { mapMail } from '../src/map/map.js';
import { parseMail } from '../src/parse/parse.js';
import { splitText } from '../src/reply/text.js';
import type { Classification, MailKind, ThreadDecision } from '../src/types.js';

/**
 * Replies built the way each client family writes them (attribution lines, Outlook header blocks,
 * HTML markers), in plain text and HTML, top-, bottom-posted and interleaved; forwards; mails that
 * quote nothing.
 */

const none: ThreadDecision = { matchedBy: 'none', candidates: [] };
const ctx = { subject: 'Re: Printer', senderNames: ['Kari', 'Nordmann'] };

interface Build {
  subject?: string;
  text?: string;
  html?: string;
  kind?: MailKind;
  quotedText?: 'keep' | 'mark' | 'strip';
}

async function map(b: Build) {
  const head = `From: Kari Nordmann <kari@example.no>\nTo: support@example.com\nSubject: ${b.subject ?? 'Re: Printer'}\nDate: Tue, 5 Mar 2024 10:20:30 +0100\nMessage-ID: <m1@example.no>\nMIME-Version: 1.0\n`;
  let raw: string;
  if (b.text !== undefined && b.html !== undefined) {
    raw = `${head}Content-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${b.text}\n--b\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${b.html}\n--b--\n`;
  } else if (b.html !== undefined) {
    raw = `${head}Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${b.html}\n`;
  } else {
    raw = `${head}Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${b.text ?? ''}\n`;
  }
  const classification: Classification = { kind: b.kind ?? 'message', evidence: [] };
  const options = mappingOptions(parseConfig({ body: { quotedText: b.quotedText ?? 'keep' } }));
  return mapMail(await parseMail(Buffer.from(raw)), classification, none, options);
}

describe('plain text: attribution lines by client and language', () => {
  const quote = '> The printer is offline.\n> Kari';
  it.each([
    ['en', 'On Mon, 4 Mar 2024 at 09:00, Support <support@example.com> wrote:'],
    ['en', 'On 4 Mar 2024, at 09:00, Support <support@example.com> wrote:'],
    ['en', 'On 3/4/24 9:00 AM, Support wrote:'],
    ['de', 'Am Mo., 4. März 2024 um 09:00 Uhr schrieb Support <support@example.com>:'],
    ['de', 'Am 04.03.2024 um 09:00 schrieb Support:'],
    ['fr', 'Le lun. 4 mars 2024 à 09:00, Support <support@example.com> a écrit :'],
    ['es', 'El lun, 4 mar 2024 a las 9:00, Support (<support@example.com>) escribió:'],
    ['nl', 'Op ma 4 mrt 2024 om 09:00 schreef Support <support@example.com>:'],
    ['fi', 'ma 4. maalisk. 2024 klo 9.00 Support (support@example.com) kirjoitti:'],
    ['sv', 'Den mån 4 mars 2024 kl 09:00 skrev Support <support@example.com>:'],
    ['no', 'man. 4. mar. 2024 kl. 09:00 skrev Support <support@example.com>:'],
  ])('%s: %s', (lang, header) => {
    const s = splitText(`It works now, thanks.\n\n${header}\n${quote}\n`, ctx);
    expect(s.method).toBe(`text:quote-header(${lang})`);
    expect(s.visibleText).toBe('It works now, thanks.');
    expect(s.quoted?.header).toBe(header);
  });

  it('joins an attribution Gmail wrapped over two lines', () => {
    const s = splitText(
      'Fixed.\n\nOn Mon, 4 Mar 2024 at 09:00, A Very Long Display Name Indeed <a.very.long.address@example.com>\nwrote:\n> old\n> older\n',
      ctx,
    );
    expect(s.method).toBe('text:quote-header(en)');
    expect(s.visibleText).toBe('Fixed.');
  });

  it('bottom-posting: the answer under the quote is the new part', () => {
    const s = splitText(
      'On 3/4/24 9:00 AM, Support wrote:\n> Is it fixed?\n> Support\n\nYes, since this morning.\n',
      ctx,
    );
    expect(s.method).toBe('text:quote-header(en)+bottom');
    expect(s.visibleText).toBe('Yes, since this morning.');
  });

  it('interleaved answers are new text, in order; the quoted lines are history', () => {
    const s = splitText(
      'Answers below.\n\nOn 3/4/24 9:00 AM, Support wrote:\n> Which model?\nHP M404\n> Which floor?\nThird\n',
      ctx,
    );
    expect(s.method).toBe('text:quote-header(en)+interleaved');
    expect(s.visibleText).toBe('Answers below.\n\nHP M404\nThird');
  });

  it('> quoting without an attribution', () => {
    const s = splitText('> Which model?\n> Which floor?\n\nHP M404 on the third floor.\n', ctx);
    expect(s.method).toBe('text:>-run+bottom');
    expect(s.visibleText).toBe('HP M404 on the third floor.');
  });

  it('a sentence ending in "wrote:" without quoted lines after it is not an attribution', () => {
    const s = splitText('This is what my colleague wrote:\nthe printer is broken.\n', ctx);
    expect(s.method).toBe('none');
  });

  it('a mail that is only a quote keeps everything', () => {
    const s = splitText('On 3/4/24 9:00 AM, Support wrote:\n> Is it fixed?\n', ctx);
    expect(s.method).toBe('uncertain:empty-new-part');
    expect(s.visibleText).toContain('Is it fixed?');
  });
});

describe('plain text: Outlook', () => {
  it.each([
    [
      'en',
      'From: Support <support@example.com>\nSent: Monday, March 4, 2024 9:00 AM\nTo: Kari <kari@example.no>\nSubject: Printer',
    ],
    [
      'de',
      'Von: Support <support@example.com>\nGesendet: Montag, 4. März 2024 09:00\nAn: Kari <kari@example.no>\nBetreff: Drucker',
    ],
    [
      'fr/es/pt',
      'De : Support <support@example.com>\nEnvoyé : lundi 4 mars 2024 09:00\nÀ : Kari <kari@example.no>\nObjet : Imprimante',
    ],
    [
      'fr/es/pt',
      'De: Support <support@example.com>\nEnviado el: lunes, 4 de marzo de 2024 9:00\nPara: Kari <kari@example.no>\nAsunto: Impresora',
    ],
    [
      'nl',
      'Van: Support <support@example.com>\nVerzonden: maandag 4 maart 2024 09:00\nAan: Kari <kari@example.no>\nOnderwerp: Printer',
    ],
    [
      'sv',
      'Från: Support <support@example.com>\nSkickat: den 4 mars 2024 09:00\nTill: Kari <kari@example.no>\nÄmne: Skrivare',
    ],
    [
      'da/no',
      'Fra: Support <support@example.com>\nSendt: 4. mars 2024 09:00\nTil: Kari <kari@example.no>\nEmne: Skriver',
    ],
    [
      'fi',
      'Lähettäjä: Support <support@example.com>\nLähetetty: maanantai 4. maaliskuuta 2024 9.00\nVastaanottaja: Kari <kari@example.no>\nAihe: Tulostin',
    ],
    [
      'en',
      '*From:* Support <support@example.com>\n*Sent:* Monday, March 4, 2024 9:00 AM\n*To:* Kari <kari@example.no>\n*Subject:* Printer',
    ],
  ])('header block (%s)', (lang, block) => {
    const s = splitText(`It works now.\n\n________________________________\n${block}\n\nIs it fixed?\n`, ctx);
    expect(s.method).toBe(`text:outlook-header(${lang})`);
    expect(s.visibleText).toBe('It works now.');
  });

  it.each([
    ['en', '-----Original Message-----'],
    ['de', '-----Ursprüngliche Nachricht-----'],
    ['fr', "-----Message d'origine-----"],
    ['es', '-----Mensaje original-----'],
    ['nl', '-----Oorspronkelijk bericht-----'],
    ['sv', '-----Ursprungligt meddelande-----'],
  ])('%s', (lang, sep) => {
    const s = splitText(`It works now.\n\n${sep}\nFrom: Support\nSent: today\n\nIs it fixed?\n`, ctx);
    expect(s.method).toBe(`text:original-message(${lang})`);
    expect(s.visibleText).toBe('It works now.');
  });

  it('a lone "From:" line in the text is not a header block', () => {
    expect(splitText('From: the third floor, the printer is offline.\nPlease help.\n', ctx).method).toBe(
      'none',
    );
  });
});

describe('forwards are content', () => {
  it.each([
    '---------- Forwarded message ---------\nFrom: Vendor <v@example.com>\nDate: Mon, Mar 4, 2024\nSubject: Invoice\n\nPlease pay.',
    'Begin forwarded message:\n\nFrom: Vendor <v@example.com>\nSubject: Invoice\n\nPlease pay.',
    '-------- Weitergeleitete Nachricht --------\nBetreff: Rechnung\nDatum: 04.03.2024\nVon: Vendor\n\nBitte zahlen.',
  ])('%s', (fwd) => {
    const s = splitText(`See below.\n\n${fwd}\n`, { ...ctx, subject: 'Fwd: Invoice' });
    expect(s.method).toBe('none:forward');
    expect(s.visibleText).toMatch(/Please pay|Bitte zahlen/);
    expect(s.quoted).toBeUndefined();
  });

  it('an Outlook forward (same header block as a reply) is told by its subject', () => {
    const body =
      'FYI\n\nFrom: Vendor <v@example.com>\nSent: Monday, March 4, 2024 9:00 AM\nTo: Kari\nSubject: Invoice\n\nPlease pay.\n';
    for (const subject of [
      'FW: Invoice',
      'WG: Rechnung',
      'TR: Facture',
      'RV: Factura',
      'Doorst: Factuur',
      'VS: Lasku',
    ]) {
      expect(splitText(body, { ...ctx, subject }).method, subject).toBe('none:forward');
    }
    expect(splitText(body, ctx).method).toBe('text:outlook-header(en)');
  });
});

describe('signatures', () => {
  it.each([
    ['rfc3676', 'Please help.\n\n-- \nKari Nordmann\nACME AS\n', '-- \nKari Nordmann\nACME AS'],
    ['iPhone', 'Please help.\n\nSent from my iPhone\n', 'Sent from my iPhone'],
    ['de', 'Bitte helfen.\n\nGesendet von meinem iPhone\n', 'Gesendet von meinem iPhone'],
    ['fr', 'Aidez-moi.\n\nEnvoyé de mon iPhone\n', 'Envoyé de mon iPhone'],
    ['es', 'Ayuda.\n\nEnviado desde mi iPhone\n', 'Enviado desde mi iPhone'],
    ['nl', 'Help.\n\nVerzonden vanaf mijn iPhone\n', 'Verzonden vanaf mijn iPhone'],
    ['sv', 'Hjälp.\n\nSkickat från min iPhone\n', 'Skickat från min iPhone'],
    ['da/no', 'Hjelp.\n\nSendt fra min iPhone\n', 'Sendt fra min iPhone'],
    ['fi', 'Apua.\n\nLähetetty iPhonesta\n', 'Lähetetty iPhonesta'],
    [
      'Outlook mobile',
      'Please help.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n',
      'Get Outlook for iOS<https://aka.ms/o0ukef>',
    ],
    [
      'closing with the sender name',
      'Please help.\n\nBest regards,\nKari Nordmann\n',
      'Best regards,\nKari Nordmann',
    ],
  ])('%s', (_name, text, signature) => {
    const s = splitText(text, ctx);
    expect(s.signature).toBe(signature.replace(/ $/gm, ''));
    expect(s.visibleText).not.toContain(signature.split('\n')[1] ?? signature);
  });

  it('a closing without the sender name is not a signature (no clear evidence)', () => {
    expect(splitText('Please help.\n\nBest regards,\nSomeone Else\n', ctx).signature).toBeUndefined();
  });

  it('the signature of a reply is found above the quote', () => {
    const s = splitText('Works.\n\n-- \nKari\n\nOn 3/4/24 9:00 AM, Support wrote:\n> Fixed?\n', ctx);
    expect(s.visibleText).toBe('Works.');
    expect(s.signature).toBe('--\nKari');
  });
});

describe('HTML, after sanitising', () => {
  const text = 'It works now.\n\nOn 3/4/24 9:00 AM, Support wrote:\n> Is it fixed?\n';
  const cases: [string, string, string][] = [
    [
      'Gmail',
      '<div dir="ltr">It works now.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 4 Mar 2024 at 09:00, Support &lt;<a href="mailto:s@example.com">s@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Is it fixed?</blockquote></div>',
      'html:gmail_quote',
    ],
    [
      'Outlook on the web',
      '<div>It works now.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Support &lt;s@example.com&gt;<br><b>Sent:</b> Monday, March 4, 2024 9:00 AM<br><b>To:</b> Kari<br><b>Subject:</b> Printer</font><div>&nbsp;</div></div><div>Is it fixed?</div>',
      'html:divRplyFwdMsg',
    ],
    [
      'Outlook desktop',
      '<div class="WordSection1"><p class="MsoNormal">It works now.</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Support &lt;s@example.com&gt;<br><b>Sent:</b> Monday, March 4, 2024 9:00 AM<br><b>To:</b> Kari<br><b>Subject:</b> Printer</p></div></div><p class="MsoNormal">Is it fixed?</p></div>',
      'html:outlook-border',
    ],
    [
      'Outlook for Mac',
      '<div>It works now.</div><span id="OLK_SRC_BODY_SECTION"><div><b>From: </b>Support<br><b>Date: </b>Monday, 4 March 2024<br><b>To: </b>Kari<br><b>Subject: </b>Printer</div><div>Is it fixed?</div></span>',
      'html:OLK_SRC_BODY_SECTION',
    ],
    [
      'Apple Mail (macOS)',
      '<div>It works now.</div><div><br><blockquote type="cite"><div>On 4 Mar 2024, at 09:00, Support &lt;s@example.com&gt; wrote:</div><br class="Apple-interchange-newline"><div>Is it fixed?</div></blockquote></div>',
      'html:blockquote(en)',
    ],
    [
      'Apple Mail (iOS)',
      '<div dir="ltr">It works now.</div><div dir="ltr"><br><blockquote type="cite">Am 04.03.2024 um 09:00 schrieb Support &lt;s@example.com&gt;:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Is it fixed?</div></blockquote>',
      'html:blockquote(de)',
    ],
    [
      'Thunderbird',
      '<p>It works now.</p><div class="moz-cite-prefix">On 3/4/24 9:00 AM, Support wrote:<br></div><blockquote type="cite" cite="mid:x@example.com">Is it fixed?</blockquote>',
      'html:moz-cite-prefix',
    ],
    [
      'Yahoo',
      '<div>It works now.</div><div id="yahoo_quoted_123" class="yahoo_quoted"><div>On Monday, March 4, 2024, 09:00, Support wrote:</div><blockquote>Is it fixed?</blockquote></div>',
      'html:yahoo_quoted',
    ],
    [
      'Zimbra',
      '<div>It works now.</div><hr id="zwchr"><div><b>From: </b>Support<br><b>To: </b>Kari<br><b>Sent: </b>Monday, 4 March 2024<br><b>Subject: </b>Printer</div><div>Is it fixed?</div>',
      'html:zimbra',
    ],
    [
      '<hr> and a header block',
      '<div>It works now.</div><hr><p><b>Von:</b> Support<br><b>Gesendet:</b> Montag, 4. März 2024<br><b>An:</b> Kari<br><b>Betreff:</b> Drucker</p><p>Is it fixed?</p>',
      'html:hr-header',
    ],
  ];

  it.each(cases)('%s: detected, marked and stripped', async (_client, html, method) => {
    const keep = await map({ text, html });
    expect(keep.decision.reply?.htmlMethod).toBe(method);
    expect(keep.decision.reply?.visibleText).toBe('It works now.');

    const mark = await map({ text, html, quotedText: 'mark' });
    expect(mark.payload.HtmlBody).toContain('class="m2t-quoted"');
    expect(mark.payload.HtmlBody).toContain('.m2t-mail .m2t-quoted{');
    expect(mark.payload.Body).toBe(keep.payload.Body);

    const strip = await map({ text, html, quotedText: 'strip' });
    expect(strip.payload.HtmlBody).toContain('It works now.');
    expect(strip.payload.HtmlBody).not.toContain('Is it fixed?');
    expect(strip.payload.Body).toBe('It works now.');
  });

  it('HTML-only mail: the HTML split decides and Body is the new part as text', async () => {
    const [, html] = cases[0]!;
    const keep = await map({ html });
    expect(keep.decision.reply).toMatchObject({ method: 'html:gmail_quote', visibleText: 'It works now.' });
    const strip = await map({ html, quotedText: 'strip' });
    expect(strip.payload.Body).toBe('It works now.');
  });

  it('Gmail forward: the forwarded message is content', async () => {
    const html =
      '<div dir="ltr">See below.<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <b>Vendor</b><br>Subject: Invoice<br></div><br>Please pay.</div></div>';
    const r = await map({ html, subject: 'Fwd: Invoice', quotedText: 'strip' });
    expect(r.decision.reply?.method).toBe('none:forward');
    expect(r.payload.HtmlBody).toContain('Please pay.');
  });

  it('signatures are marked: Gmail, Outlook mobile, "Sent from my iPhone"', async () => {
    for (const html of [
      '<div>Please help.</div><div><br></div>-- <br><div dir="ltr" class="gmail_signature">Kari Nordmann</div>',
      '<div>Please help.</div><div id="ms-outlook-mobile-signature">Get <a href="https://aka.ms/o0ukef">Outlook for iOS</a></div>',
      '<div dir="ltr">Please help.</div><div dir="ltr"><br></div><div dir="ltr">Sent from my iPhone</div>',
    ]) {
      const r = await map({ html, quotedText: 'mark' });
      expect(r.payload.HtmlBody, html).toContain('class="m2t-signature"');
    }
  });

  it('strip is never applied to an uncertain split (the new part would be empty)', async () => {
    const html =
      '<div class="gmail_quote"><div class="gmail_attr">On Mon, 4 Mar 2024 at 09:00, Support wrote:</div><blockquote>Is it fixed?</blockquote></div>';
    const r = await map({
      text: 'On Mon, 4 Mar 2024 at 09:00, Support wrote:\n> Is it fixed?\n',
      html,
      quotedText: 'strip',
    });
    expect(r.decision.reply?.method).toBe('uncertain:empty-new-part');
    expect(r.payload.HtmlBody).toContain('Is it fixed?');
    expect(r.decision.notes.join()).toContain('not applied');
  });

  it('the mark wrappers add nothing but class attributes to sanitised markup', async () => {
    const html = `${cases[0]![1]}<img src="x" onerror="alert(1)"><script>alert(1)</script>`;
    const r = await map({ html, quotedText: 'mark' });
    expect(r.payload.HtmlBody).not.toMatch(/onerror|<script|alert/);
    const added = r.payload.HtmlBody.match(/<(?:div|span) class="m2t-(?:quoted|signature)">/g);
    expect(added?.length).toBe(1);
  });
});

describe('bounces and reports are never split', () => {
  it.each(['bounce', 'delivery-report', 'delivery-delay', 'feedback-report', 'read-receipt'] as const)(
    '%s',
    async (kind) => {
      const r = await map({
        kind,
        text: 'Delivery failed.\n\nOn 3/4/24 9:00 AM, Kari wrote:\n> Hello\n',
        quotedText: 'strip',
      });
      expect(r.decision.reply?.method).toBe(`skipped:${kind}`);
      expect(r.decision.reply?.quoted).toBeUndefined();
      expect(r.payload.Body).toContain('> Hello');
    },
  );

  it('auto-replies are split like messages', async () => {
    const r = await map({
      kind: 'out-of-office',
      text: 'I am away.\n\nOn 3/4/24 9:00 AM, Kari wrote:\n> Hello\n',
    });
    expect(r.decision.reply?.method).toBe('text:quote-header(en)');
  });
});

describe('keep (default) changes nothing', () => {
  it('Body and HtmlBody are as rendered', async () => {
    const html =
      '<div>It works now.</div><div class="gmail_quote">On Mon, 4 Mar 2024 at 09:00, S wrote:<blockquote>old</blockquote></div>';
    const keep = await map({ text: 'It works now.\n\nOn Mon, 4 Mar 2024 at 09:00, S wrote:\n> old\n', html });
    expect(keep.payload.Body).toContain('> old');
    expect(keep.payload.HtmlBody).toContain('old</blockquote>');
    expect(keep.decision.reply?.quoted?.from).toBe('It works now.\n\n'.length);
  });
});
