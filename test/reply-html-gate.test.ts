import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emlFiles } from './helpers/eml-files.js';
import { htmlBody } from '../bench/corpus-text.js';
import { Prng } from '../bench/prng.js';
import { sanitizeHtmlBody } from '../src/body/sanitize.js';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig } from '../src/config.js';
import { parseMail } from '../src/parse/parse.js';
import { BLOCK, splitHtml, splitHtmlDom } from '../src/reply/html.js';
import { certainlyNoSplit, isTrimSpace } from '../src/reply/html-gate.js';
import { mayBeSentFromStart, SENT_FROM, SENT_FROM_FIRST_WORDS } from '../src/reply/signature.js';

/**
 * The string-level shortcut of the HTML splitter (src/reply/html-gate.ts) may say "nothing to
 * split" only where the DOM walk finds no boundary and no signature: checked on the sanitised
 * HTML of every fixture mail, generated newsletters, and hand-made cases at the edges of each rule.
 */
const opts = mappingOptions(defaultConfig());
const sanitize = (html: string) => sanitizeHtmlBody(html, [], { body: opts.body, limits: opts.limits }).html;

const EDGE_CASES: string[] = [
  '<div>Sent from my iPhone</div>',
  '<div>Sent from my <b>iPhone</b></div>',
  '<div>S&#101;nt from my iPhone</div>',
  '<p>Sent&nbsp;from&nbsp;my&nbsp;iPhone</p>',
  '<div>Sent from <style>p{color:red}</style>my iPhone</div>',
  `<div>${'<p></p>'.repeat(120)}Sent from my iPhone<span>and a long tail of more words after it</span></div>`,
  '<div><span>Von meinem iPhone gesendet</span></div>',
  '<div>Envoyé de mon iPhone</div>',
  '<p>---------- Forwarded message ---------</p><p>From: a</p>',
  '<p>&#45;&#45;--- Forwarded message ---------</p>',
  '<p>-----Original Message-----</p><p>From: a@example.com</p><p>text</p>',
  '<div>Begin forwarded message:</div>',
  '<div class="gmail_quote">On Mon, A wrote:<blockquote>x</blockquote></div>',
  '<p>new</p><div class="gmail_signature">-- me</div>',
  '<p>new</p><div id="Signature">me</div>',
  '<p>new</p><hr><div><b>From:</b> a<br><b>Sent:</b> b<br><b>To:</b> c<br><b>Subject:</b> d</div>',
  '<p>new</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">From: a<br>Sent: b<br>To: c<br>Subject: d</div>',
  '<p>new</p><p>On Mon, 1 Jan 2024, Jane wrote:</p><blockquote>old</blockquote>',
  '<p>Thanks!</p><p>Best regards,<br>Jane</p>',
  '<table><tr><td>Contact us:</td><td>Get 20% off</td></tr></table>',
  '<p>Just a plain first message with no history.</p>',
  // a line's first letter is an entity, or comes after whitespace-only text nodes
  '<table><tr><td>x</td><td>&#83;ent from my iPhone</td></tr></table>',
  '<div><span> </span><span>\n</span> <b>Sent</b> from my iPhone</div>',
  '<div>&nbsp;Gesendet von meinem iPhone</div>',
  '<div>Lähetetty iPhonesta</div>',
  '<div>ENVOYÉ DE MON IPHONE</div>',
  // phrase lines whose last characters are an entity or a no-break space
  '<p>---------- Forwarded message ---------&nbsp;</p><p>From: a</p>',
  '<p>-----Original Message-----&#32;</p><p>From: a</p>',
  '<p>-----Original Message----&#45;</p><p>From: a</p>',
  '<p>-----Original Message-----\u00a0</p><p>From: a</p>',
];

describe('certainlyNoSplit', () => {
  it('says "nothing to split" only where the DOM walk finds nothing, on fixture mail, newsletters and edge cases', async () => {
    const htmls: string[] = [];
    for (const file of emlFiles(new URL('../fixtures', import.meta.url).pathname)) {
      try {
        const mail = await parseMail(readFileSync(file));
        if (mail.html) htmls.push(sanitize(mail.html));
      } catch {
        // fixtures that are meant not to parse
      }
    }
    const rng = new Prng('reply-html-gate');
    for (let i = 0; i < 40; i++) htmls.push(sanitize(htmlBody(rng, rng.int(2_000, 30_000))));
    // the edge cases as written too: their entities (`&#83;`) would not survive the sanitiser
    for (const html of EDGE_CASES) htmls.push(sanitize(html), html);
    expect(htmls.length).toBeGreaterThan(100);
    let shortcuts = 0;
    let splits = 0;
    for (const html of htmls) {
      const dom = splitHtmlDom(html, 'Re: hello');
      const nothing = dom.method === 'none' && dom.signature.length === 0 && dom.quoted.length === 0;
      if (!nothing) splits++;
      if (certainlyNoSplit(html, BLOCK)) {
        shortcuts++;
        expect(nothing, html.slice(0, 400)).toBe(true);
        const fast = splitHtml(html, 'Re: hello');
        expect([fast.method, fast.quoted, fast.signature]).toEqual(['none', [], []]);
        // the document is still there for a caller that renders from it
        expect(fast.doc.children.length).toBe(dom.doc.children.length);
      }
    }
    // both outcomes occur, so neither side of the implication is vacuous
    expect(splits).toBeGreaterThan(15);
    expect(shortcuts).toBeGreaterThan(40);
  });
});

describe('SENT_FROM_FIRST_WORDS', () => {
  it('lists a first word of every "Sent from my ..." pattern, so the gate never drops a line one could match', () => {
    for (const re of SENT_FROM) {
      // the pattern's start: "^Word ..." or "^(?:Word|Word ...)"
      const src = re.source.replace(/^\^/, '');
      const alternatives = src.startsWith('(?:') ? src.slice(3, src.indexOf(')')).split('|') : [src];
      for (const alt of alternatives) {
        const word = alt.split(/[ \\(]/)[0]!.toLowerCase();
        expect(SENT_FROM_FIRST_WORDS, re.source).toContain(word);
      }
    }
  });

  it('keeps a line whose start agrees with a first word, in any case, and drops one that agrees with none', () => {
    for (const start of [
      'S',
      'sen',
      'SENT from',
      'Envoy',
      'ENVOYÉ de',
      'lähe',
      'Von meinem',
      'g',
      'Inviato da',
    ])
      expect(mayBeSentFromStart(start), start).toBe(true);
    for (const start of ['x', 'Hello', 'Sant', 'Envoi', '20% off', 'Gracias'])
      expect(mayBeSentFromStart(start), start).toBe(false);
  });
});

describe('isTrimSpace', () => {
  it('is exactly what String#trim removes, for every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (isTrimSpace(c) !== (String.fromCharCode(c).trim() === '')) differ.push(c);
    }
    expect(differ).toEqual([]);
  });
});
