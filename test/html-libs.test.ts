import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { htmlparser2, htmlToTextModule } from '../src/body/html-libs.js';
import { htmlToText } from '../src/body/html-text.js';
import { sanitizeHtmlBody } from '../src/body/sanitize.js';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig } from '../src/config.js';
import { splitHtmlDom } from '../src/reply/html.js';

/**
 * Every HTML parse of a mail runs in the one htmlparser2 instance sanitize-html requires
 * (src/body/html-libs.ts): an `import` from an ES module would load htmlparser2's other build, a
 * second copy V8 profiles and optimises separately in every thread.
 */
const require = createRequire(import.meta.url);
const sanitizeHtmlsOwn = createRequire(require.resolve('sanitize-html'))('htmlparser2');
const htmlToTextsOwn = createRequire(require.resolve('html-to-text'))('htmlparser2');
const opts = mappingOptions(defaultConfig());

const HTML =
  '<html><head><style>p{color:red}</style></head><body><p>Thanks, that works.</p>' +
  '<div class="gmail_quote">On Mon, 1 Jan 2024, Ann wrote:<blockquote>Does it?</blockquote></div></body></html>';

describe('one htmlparser2 instance', () => {
  const write = htmlparser2.Parser.prototype.write;
  let writes = 0;
  afterEach(() => {
    htmlparser2.Parser.prototype.write = write;
  });
  function countWrites(): void {
    writes = 0;
    htmlparser2.Parser.prototype.write = function (this: unknown, chunk: string) {
      writes++;
      return write.call(this as InstanceType<typeof htmlparser2.Parser>, chunk);
    };
  }

  it('is the CommonJS build sanitize-html and html-to-text require', () => {
    expect(htmlparser2).toBe(sanitizeHtmlsOwn);
    expect(htmlparser2).toBe(htmlToTextsOwn);
    expect(htmlToTextModule).toBe(require('html-to-text'));
  });

  it('parses for the sanitizer, both its passes', () => {
    countWrites();
    const { html } = sanitizeHtmlBody(HTML, [], { body: opts.body, limits: opts.limits });
    expect(html).toContain('Thanks, that works.');
    // the <style> collection (src/body/sanitize.ts) and sanitize-html's own parse
    expect(writes).toBeGreaterThanOrEqual(2);
  });

  it('parses for the reply splitter', () => {
    const { html } = sanitizeHtmlBody(HTML, [], { body: opts.body, limits: opts.limits });
    countWrites();
    const split = splitHtmlDom(html, 'Re: question');
    expect(split.quoted.length).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
  });

  it('parses for html-to-text', () => {
    countWrites();
    expect(htmlToText(HTML, opts.limits).text).toContain('Thanks, that works.');
    expect(writes).toBeGreaterThan(0);
  });
});
