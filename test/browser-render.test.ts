import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyConfigSchema } from '../src/body/config-schema.js';
import { sanitizeHtmlBody } from '../src/body/sanitize.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';

/**
 * Rendering side of the <style> decision (docs/bodies.md): kept rules still style the mail in a real
 * browser, and, scoped under .m2t-mail with prefixed class names, they cannot restyle the host page
 * the HtmlBody is embedded in. Also shows what `styleBlocks: drop` gives up.
 */

const NEWSLETTER = `<html><head><style>
  body { font-family: Georgia, serif; color: #222222; }
  p { color: rgb(200, 0, 0); }
  .btn { background-color: #0055aa; color: #ffffff; padding: 10px 20px; }
  #hero td { font-size: 30px; }
  @media only screen and (max-width: 600px) { .col { width: 100% !important; } }
  .evil { position: fixed; top: 0; left: 0; width: 100%; height: 100%; z-index: 9999; }
</style></head><body>
<table id="hero"><tr><td>Spring sale</td></tr></table>
<p>Mail paragraph</p><a class="btn" href="https://shop.test/">Shop now</a>
<div class="col" style="width:300px">column</div><div class="evil">overlay</div>
</body></html>`;

const HOST = (body: string) =>
  `<!DOCTYPE html><html><head><style>.btn{background-color:rgb(0, 128, 0)}</style></head><body>` +
  `<p id="host-p">Host paragraph</p><a id="host-btn" class="btn">Host button</a>` +
  `<div id="ticket">${body}</div></body></html>`;

const available = chromiumAvailable(import.meta.url);

describe.skipIf(!available)('<style> blocks in a real browser', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const style = (selector: string, prop: string) =>
    page.$eval(
      selector,
      (el, p) => {
        // runs in the page; the test's TypeScript lib has no DOM types
        const win = globalThis as unknown as {
          getComputedStyle(e: unknown): { getPropertyValue(n: string): string };
        };
        return win.getComputedStyle(el).getPropertyValue(p);
      },
      prop,
    );

  async function show(styleBlocks: 'filter' | 'drop') {
    const { html } = sanitizeHtmlBody(NEWSLETTER, [], {
      body: bodyConfigSchema.parse({ styleBlocks }),
      limits: { ...DEFAULT_LIMITS },
    });
    await page.setContent(HOST(html));
  }

  it('filter: the mail keeps its look, scoped to itself', async () => {
    await show('filter');
    expect(await style('#ticket a', 'background-color')).toBe('rgb(0, 85, 170)');
    expect(await style('#ticket a', 'color')).toBe('rgb(255, 255, 255)');
    expect(await style('#ticket p', 'color')).toBe('rgb(200, 0, 0)');
    expect(await style('#ticket td', 'font-size')).toBe('30px');
    expect(await style('#ticket .m2t-mail', 'font-family')).toBe('Georgia, serif');
    // the host page is untouched: its own .btn rule applies to its own button, the mail's p rule does not leak
    expect(await style('#host-btn', 'background-color')).toBe('rgb(0, 128, 0)');
    expect(await style('#host-p', 'color')).toBe('rgb(0, 0, 0)');
    // the filtered-out positioning never takes effect
    expect(await style('#ticket .m2t-evil', 'position')).toBe('static');
  });

  it('filter: @media rules still apply (responsive mail)', async () => {
    await page.setViewportSize({ width: 500, height: 768 });
    await show('filter');
    const width = await page.$eval('#ticket .m2t-col', (el) => el.getBoundingClientRect().width);
    const container = await page.$eval('#ticket', (el) => el.getBoundingClientRect().width);
    expect(width).toBe(container);
    await page.setViewportSize({ width: 1024, height: 768 });
  });

  it('drop: no rule of the mail applies, only inline styles', async () => {
    await show('drop');
    expect(await style('#ticket a', 'background-color')).toBe('rgba(0, 0, 0, 0)');
    expect(await style('#ticket p', 'color')).toBe('rgb(0, 0, 0)');
    expect(await style('#ticket .m2t-col', 'width')).toBe('300px');
  });
});
