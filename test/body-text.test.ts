import { describe, expect, it } from 'vitest';
import { bodyConfigSchema } from '../src/body/config-schema.js';
import { htmlToText } from '../src/body/html-text.js';
import { renderBodies } from '../src/body/index.js';
import { DEFAULT_LIMITS, type Limits } from '../src/limits.js';
import type { ParsedMail } from '../src/types.js';
import { parsedMail } from './helpers/parsed-mail.js';

const limits: Limits = { ...DEFAULT_LIMITS };
const text = (html: string) => htmlToText(html, limits).text;

const mail = (over: Partial<ParsedMail>): ParsedMail => parsedMail({ contentType: 'text/html', ...over });

describe('htmlToText', () => {
  it('writes links as `text [url]`, hides the url when it is the text, keeps only usable schemes', () => {
    expect(text('<p>See <a href="https://example.test/a">our site</a>.</p>')).toBe(
      'See our site [https://example.test/a].',
    );
    expect(text('<a href="https://example.test/">https://example.test/</a>')).toBe('https://example.test/');
    expect(text('<a href="mailto:help@example.test">help@example.test</a>')).toBe('help@example.test');
    expect(text('<a href="javascript:alert(1)">click</a>')).toBe('click');
    expect(text('<a href="#top">top</a>')).toBe('top');
  });

  it('does not wrap long lines', () => {
    const long = 'word '.repeat(200).trim();
    expect(text(`<p>${long}</p>`)).toBe(long);
  });

  it('renders data tables as aligned columns and layout tables as blocks', () => {
    expect(
      text(
        '<table><tr><th>Item</th><th>Price</th></tr><tr><td>Apple</td><td>1.00</td></tr><tr><td>Kiwi fruit</td><td>12.50</td></tr></table>',
      ),
    ).toBe('Item         Price\nApple        1.00\nKiwi fruit   12.50');
    expect(
      text(
        '<table role="presentation"><tr><td><p>Left column</p></td><td><p>Right column</p></td></tr></table>',
      ),
    ).toBe('Left column\n\nRight column');
    expect(
      text(
        '<table><tr><td><table><tr><td>inner a</td><td>inner b</td></tr></table></td><td>outer</td></tr></table>',
      ),
    ).toBe('inner a   inner b\nouter');
  });

  it('keeps lists and headings readable (no upper-casing)', () => {
    expect(text('<h2>Order summary</h2><ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>')).toBe(
      'Order summary\n\n * one\n * two\n\n 1. first',
    );
  });

  it('drops hidden elements, preheader filler and head content', () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body>' +
      '<div style="display: none; max-height: 0px; overflow: hidden;">Preheader teaser</div>' +
      '<div style="display:none">&zwnj;&nbsp;&zwnj;&nbsp;</div><span hidden>hidden</span>' +
      '<p>Visible&#8203; text\u034f\u00ad</p><div style="mso-hide:all">outlook only</div><script>x()</script></body></html>';
    expect(text(html)).toBe('Visible text');
  });

  it('shows image alt text, never image URLs', () => {
    expect(text('<p><img src="https://t.test/p.gif" alt="Company logo"> <img src="cid:x"></p>')).toBe(
      'Company logo',
    );
  });
});

describe('renderBodies', () => {
  const opts = { body: bodyConfigSchema.parse({}), limits };

  it('prefers the text part for Body and sanitizes the HTML for HtmlBody', () => {
    const r = renderBodies(
      mail({ text: 'Plain words', html: '<p onclick="x()">Rich <b>words</b></p>' }),
      opts,
    );
    expect(r).toEqual({ type: 'Html', body: 'Plain words', htmlBody: '<p>Rich <b>words</b></p>', notes: [] });
  });

  it('converts the HTML when there is no text part', () => {
    const r = renderBodies(mail({ html: '<p>Only <a href="https://x.test/">html</a></p>' }), opts);
    expect(r.type).toBe('Html');
    expect(r.body).toBe('Only html [https://x.test/]');
  });

  it('is Plain with an empty HtmlBody when the mail has no HTML', () => {
    expect(renderBodies(mail({ text: 'hello' }), opts)).toEqual({
      type: 'Plain',
      body: 'hello',
      htmlBody: '',
      notes: [],
    });
    expect(renderBodies(mail({}), opts)).toEqual({ type: 'Plain', body: '', htmlBody: '', notes: [] });
  });

  it('truncates an over-long text body with a visible note and says so', () => {
    const r = renderBodies(mail({ text: 'x'.repeat(5000) }), {
      ...opts,
      limits: { ...limits, maxBodyChars: 1000 },
    });
    expect(r.body.startsWith('x'.repeat(1000))).toBe(true);
    expect(r.body).toContain('[mail2ticket: text body truncated at 1000 characters');
    expect(r.body.length).toBeLessThan(1200);
    expect(r.notes).toEqual(['Body truncated at 1000 characters (limit maxBodyChars)']);
  });
});
