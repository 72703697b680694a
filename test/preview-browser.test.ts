import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xssMails } from '../fixtures/xss/generate.js';
import { parseConfig } from '../src/config.js';
import { collectPreview, type PreviewRecord } from '../src/preview/collect.js';
import { PAGE_SCRIPT } from '../src/preview/page.js';
import { renderPreview } from '../src/preview/render.js';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';

/**
 * The preview report in real Chromium. The page is served from memory on an http origin with every
 * other request recorded and aborted; every script compiled in any frame's main world is reported
 * by the DevTools protocol (Debugger.scriptParsed, out-of-process frames included), so the only one
 * allowed is the report's own inline script; dialogs and popups are recorded. The test never runs
 * JavaScript in the page's main world itself (Playwright acts from its isolated world).
 */

const available = chromiumAvailable(import.meta.url);
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const ORIGIN = 'http://preview.mail2ticket.test';

interface Watch {
  requests: string[];
  dialogs: string[];
  popups: number;
  /** Scripts compiled in a main world (any frame), with their length. */
  scripts: { url: string; len: number }[];
}

async function watchSession(cdp: CDPSession, w: Watch): Promise<void> {
  const mainWorlds = new Set<number>();
  const pending: { ctx: number; url: string; len: number }[] = [];
  cdp.on('Runtime.executionContextCreated', (e) => {
    const aux = e.context.auxData as { isDefault?: boolean } | undefined;
    if (aux?.isDefault) mainWorlds.add(e.context.id);
  });
  cdp.on('Debugger.scriptParsed', (e) => {
    pending.push({ ctx: e.executionContextId, url: e.url, len: e.length ?? 0 });
    if (process.env.DEBUG_PREVIEW)
      cdp.send('Debugger.getScriptSource', { scriptId: e.scriptId }).then(
        (r) => console.log('SCRIPT', e.executionContextId, e.url, e.length, r.scriptSource.slice(0, 100)),
        () => {},
      );
  });
  await cdp.send('Runtime.enable');
  await cdp.send('Debugger.enable');
  // Resolved lazily: a context is announced before its scripts.
  Object.defineProperty(w, 'scripts', {
    get: () => pending.filter((s) => mainWorlds.has(s.ctx)).map(({ url, len }) => ({ url, len })),
    configurable: true,
  });
}

async function openReport(
  browser: Browser,
  html: string,
  viewport = { width: 1280, height: 900 },
  waitReady = true,
) {
  const context: BrowserContext = await browser.newContext({ viewport });
  const page: Page = await context.newPage();
  const w: Watch = { requests: [], dialogs: [], popups: 0, scripts: [] };
  const url = `${ORIGIN}/report.html`;
  await context.route('**/*', (route) => {
    if (route.request().url() === url)
      return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
    w.requests.push(`${route.request().resourceType()} ${route.request().url().slice(0, 120)}`);
    return route.abort();
  });
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  context.on('page', (p) => {
    if (p !== page) {
      w.popups++;
      p.close().catch(() => {});
    }
  });
  const cdp = await context.newCDPSession(page);
  await watchSession(cdp, w);
  await page.goto(url, { waitUntil: 'load' });
  if (waitReady) await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return { context, page, w };
}

/** Scripts of out-of-process frames (a sandboxed srcdoc frame may get its own process). */
async function oopifScripts(context: BrowserContext, page: Page): Promise<{ url: string; len: number }[]> {
  const out: { url: string; len: number }[] = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    let cdp: CDPSession;
    try {
      cdp = await context.newCDPSession(f);
    } catch {
      continue; // in-process: already watched by the page's session
    }
    const w: Watch = { requests: [], dialogs: [], popups: 0, scripts: [] };
    await watchSession(cdp, w); // Debugger.enable reports every script already compiled there
    out.push(...w.scripts);
    await cdp.detach();
  }
  return out;
}

function configFor(stateDir: string) {
  return parseConfig({ stateDir });
}

describe.skipIf(!available)('preview report in headless Chromium', () => {
  let browser: Browser;
  let records: PreviewRecord[];
  let html: string;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-preview-'));

  beforeAll(async () => {
    browser = await launchChromium();
    // Relative paths, as an operator would type them (and as the README's screenshot shows them).
    const paths = [join(FIXTURES, 'mail'), join(FIXTURES, 'normal')].map((p) => relative(process.cwd(), p));
    records = await collectPreview(paths, configFor(dir));
    html = renderPreview(records, {
      title: 'mail2ticket preview',
      generatedAt: '2025-01-01T00:00:00Z',
      paths,
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists the mails lazily, filters by kind, opens a bounce with its sanitised body in a sandboxed frame', async () => {
    const { context, page, w } = await openReport(browser, html);
    try {
      expect(records.length).toBeGreaterThan(60);
      // Lazy: the first 50 cards exist, the rest only after scrolling to the end.
      expect(await page.locator('article.card').count()).toBe(50);
      await expect
        .poll(() => page.locator('#count').textContent())
        .toBe(`${records.length} of ${records.length} mails`);
      for (let i = 0; i < 10 && (await page.locator('article.card').count()) < records.length; i++) {
        await page.locator('button.more').scrollIntoViewIfNeeded();
        await page.mouse.wheel(0, 4000);
        await page.waitForTimeout(100);
      }
      expect(await page.locator('article.card').count()).toBe(records.length);

      const bounces = records.filter((r) => r.decision?.classification.kind === 'bounce');
      await page.selectOption('#f-kind', 'bounce');
      expect(await page.locator('article.card').count()).toBe(bounces.length);
      expect(await page.locator('article.card[data-kind="bounce"]').count()).toBe(bounces.length);

      const bounce = bounces.find((r) => r.payload?.HtmlBody)!;
      expect(bounce, 'a fixture bounce with an HTML body').toBeDefined();
      await page.fill('#q', bounce.source.split('/').pop()!);
      expect(await page.locator('article.card').count()).toBe(1);
      await page.locator('article.card .head').click();
      const iframe = page.locator('article.card .detail iframe');
      await iframe.waitFor();
      expect(await iframe.getAttribute('sandbox')).toBe('');
      const srcdoc = (await iframe.getAttribute('srcdoc'))!;
      expect(srcdoc).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
      expect(srcdoc).toContain(bounce.payload!.HtmlBody);
      const frame = page.frames().find((f) => f !== page.mainFrame())!;
      await frame.waitForLoadState();
      const text = ((await frame.locator('body').textContent()) ?? '').replace(/\s+/g, ' ');
      const probe = bounce
        .payload!.Body.split('\n')
        .find((l) => l.trim().length > 20)!
        .trim()
        .replace(/\s+/g, ' ');
      expect(text).toContain(probe.slice(0, 30));
      // The card shows the ticket/thread rule, DebugInfo and the bounce's recipients.
      const detail = page.locator('article.card .detail');
      await expect.poll(() => detail.textContent()).toContain(bounce.payload!.DebugInfo.split('\n')[0]!);
      expect(await detail.textContent()).toContain(bounce.decision!.bounce!.recipients[0]!.address);

      // Keyboard: clear the search, j moves the selection, Enter opens.
      await page.fill('#q', '');
      await page.selectOption('#f-kind', '');
      await page.keyboard.press('Escape'); // leaves the select, selects the first card
      expect(await page.locator('article.card.sel').getAttribute('data-i')).toBe('0');
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('k');
      expect(await page.locator('article.card.sel').getAttribute('data-i')).toBe('1');
      await page.keyboard.press('Enter');
      await page.locator('article.card.sel .detail h3').first().waitFor();

      expect(w.requests).toEqual([]);
      expect(w.dialogs).toEqual([]);
      expect(w.popups).toBe(0);

      // The README's screenshot (M2T_UPDATE_SCREENSHOT=1 writes docs/preview.png): the bounces, the
      // one with an HTML body opened.
      const shot = process.env.M2T_UPDATE_SCREENSHOT
        ? new URL('../docs/preview.png', import.meta.url).pathname
        : join(dir, 'preview.png');
      await page.locator('article.card.sel .head').click(); // close the one opened by the keyboard
      await page.selectOption('#f-kind', 'bounce'); // the bounce opened above is still open
      await page.locator('article.card .detail iframe').first().waitFor();
      await page.setViewportSize({ width: 1280, height: 1000 });
      await page.mouse.wheel(0, -100_000);
      await page.waitForTimeout(200);
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await context.close();
    }
  });

  it('is readable on a phone: no horizontal scrolling at 390 px', async () => {
    const { context, page } = await openReport(browser, html, { width: 390, height: 844 });
    try {
      await page.locator('article.card .head').first().click();
      await page.locator('article.card .detail h3').first().waitFor();
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });

  it('a report of the XSS mails (and hostile subjects, names and file names) runs nothing and requests nothing', async () => {
    const xdir = mkdtempSync(join(tmpdir(), 'm2t-preview-xss-'));
    // Every vector once (the MIME shapes are the sanitizer's concern, proven by browser-xss.test.ts):
    // what matters here is that the sanitised body stays inside its sandboxed frame.
    const mails = xssMails().filter((m) => m.encoding === 'html-8bit');
    mails.forEach((m, i) => {
      writeFileSync(join(xdir, `${String(i).padStart(4, '0')}.eml`), m.eml);
    });
    const hostile = '</script><script>alert("subject")</script><img src=x onerror=alert("img")>';
    writeFileSync(
      join(xdir, 'hostile.eml'),
      `From: "${hostile.replace(/"/g, "'")}" <evil@example.com>\r\nSubject: ${hostile}\r\nMessage-ID: <x-</script>@example.com>\r\n` +
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n' +
        `<p>${hostile}</p>\r\n--b\r\nContent-Type: application/octet-stream; name="</script><svg onload=alert(3)>.exe"\r\n` +
        'Content-Disposition: attachment; filename="</script><svg onload=alert(3)>.exe"\r\n\r\nAAAA\r\n--b--\r\n',
    );
    const xrecords = await collectPreview([xdir], configFor(mkdtempSync(join(tmpdir(), 'm2t-preview-st-'))));
    expect(xrecords.length).toBe(mails.length + 1);
    const xhtml = renderPreview(xrecords, { title: hostile, generatedAt: 'now', paths: [xdir] });
    // The embedded JSON cannot end its element early.
    expect(xhtml.split('</script>').length - 1).toBe(xrecords.length + 2);

    const { context, page, w } = await openReport(browser, xhtml, undefined, false);
    try {
      // Driven through the DevTools protocol only (keys and DOM queries): Playwright's own helpers
      // would add their scripts to the main world, and every script there must be the report's.
      const cdp = await context.newCDPSession(page);
      const count = async (selector: string) => {
        const root = (await cdp.send('DOM.getDocument', { depth: 0 })).root;
        return (await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector })).nodeIds.length;
      };
      const until = async (selector: string, want: number) => {
        for (let i = 0; i < 600 && (await count(selector)) !== want; i++) await page.waitForTimeout(100);
        expect(await count(selector), selector).toBe(want);
      };
      const VK: Record<string, number> = { j: 74, k: 75, o: 79 };
      const press = async (key: string) => {
        for (const type of ['rawKeyDown', 'keyUp'] as const) {
          await cdp.send('Input.dispatchKeyEvent', {
            type,
            key,
            code: `Key${key.toUpperCase()}`,
            windowsVirtualKeyCode: VK[key]!,
          });
        }
      };
      await until('body[data-ready="true"]', 1);
      // Open every card (each with its body frame) from the keyboard, in batches (a sandboxed frame
      // is costly to lay out, so each batch is closed again before the next).
      const BATCH = 40;
      const withHtml = new Set(xrecords.flatMap((r, i) => (r.payload?.HtmlBody ? [i] : [])));
      let framesSeen = 0;
      await press('j'); // selects the first card
      for (let start = 0; start < xrecords.length; start += BATCH) {
        const end = Math.min(xrecords.length, start + BATCH);
        for (let i = start; i < end; i++) {
          await press('o');
          if (i < end - 1) await press('j');
        }
        const want = [...withHtml].filter((i) => i >= start && i < end).length;
        await until('article.card .detail iframe', want);
        for (let y = 50; y < 900; y += 150) {
          await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: 640, y });
        }
        framesSeen += want;
        for (let i = end - 1; i >= start; i--) {
          await press('o');
          if (i > start) await press('k');
        }
        await until('article.card .detail', 0);
        for (let i = start; i < end && end < xrecords.length; i++) await press('j');
      }
      expect(framesSeen).toBe(withHtml.size);
      expect(withHtml.size).toBeGreaterThan(mails.length * 0.9);
      await page.waitForTimeout(300);

      const scripts = [...w.scripts, ...(await oopifScripts(context, page))];
      expect(scripts).toEqual([{ url: `${ORIGIN}/report.html`, len: PAGE_SCRIPT.length }]);
      expect(w.dialogs).toEqual([]);
      expect(w.requests).toEqual([]);
      expect(w.popups).toBe(0);

      // Only now Playwright's own helpers: the hostile fields are shown as text.
      expect(await page.title()).toBe(hostile);
      const hostileCard = page.locator('article.card', { hasText: 'evil@example.com' });
      expect(await hostileCard.locator('.subj').textContent()).toBe(hostile);
      await hostileCard.locator('.head').click();
      await expect
        .poll(() => hostileCard.locator('.detail').textContent())
        // The file is listed under the safe name it would be uploaded with (src/attachments/names.ts:
        // no path part, no `<>`), with the policy's verdict on it.
        .toContain('script__svg onload=alert(3)_.exe not uploaded: .exe is blocked');
      expect(w.dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});

// The weight of a report is checked where it is cheap: the details are gzipped, the index is plain.
describe('preview report size', () => {
  it('packs each mail: the report is smaller than the bodies it holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-preview-size-'));
    const records = await collectPreview([join(FIXTURES, 'mail')], configFor(dir));
    const html = renderPreview(records, { title: 't', generatedAt: 'now', paths: [] });
    const raw = records.reduce((n, r) => n + JSON.stringify(r).length, 0);
    expect(html.length).toBeLessThan(raw);
    expect(readFileSync(new URL('../src/preview/page.ts', import.meta.url), 'utf8')).not.toMatch(
      /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/,
    );
  });
});
