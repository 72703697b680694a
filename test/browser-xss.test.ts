import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVectors, XSS_ENCODINGS, xssMails } from '../fixtures/xss/generate.js';
import { type BodyConfig, bodyConfigSchema } from '../src/body/config-schema.js';
import { renderBodies } from '../src/body/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { parseMail } from '../src/parse/parse.js';
import {
  BodyRenderer,
  chromiumAvailable,
  isClean,
  launchChromium,
  type RenderReport,
} from './helpers/chromium.js';

/**
 * The HtmlBody safety proof: every attack vector of fixtures/xss/vectors.json, wrapped in real mails
 * in four MIME shapes, goes through the real parser and renderBodies, and the produced HtmlBody is
 * rendered in headless Chromium. Any script compiled in the page, any dialog, any request that is
 * not an image, any popup or navigation, or any forbidden element/attribute in the rendered DOM
 * fails the test, naming the vector and the shape.
 */

const BATCH = 60;
const available = chromiumAvailable(import.meta.url);
const limits = { ...DEFAULT_LIMITS };

interface Rendered {
  label: string;
  htmlBody: string;
}

async function produce(body: BodyConfig, encodings: readonly string[] = XSS_ENCODINGS): Promise<Rendered[]> {
  const out: Rendered[] = [];
  for (const m of xssMails()) {
    if (!encodings.includes(m.encoding)) continue;
    const mail = await parseMail(m.eml, { limits });
    if (mail.html === undefined)
      throw new Error(`${m.vector.id}/${m.encoding}: the parser found no HTML part`);
    out.push({
      label: `${m.vector.id}/${m.encoding}`,
      htmlBody: renderBodies(mail, { body, limits }).htmlBody,
    });
  }
  return out;
}

function sum(reports: RenderReport[]) {
  const total = (f: (r: RenderReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    rendered: total((r) => r.rendered),
    executions: total((r) => r.executions.length),
    dialogs: total((r) => r.dialogs.length),
    nonImageRequests: total((r) => r.nonImageRequests.length),
    imageRequests: total((r) => r.imageRequests),
    popups: total((r) => r.popups),
    navigations: total((r) => r.navigations.length),
    domViolations: total((r) => r.domViolations.length),
  };
}

/** Render in batches; a dirty batch is re-rendered one body at a time to name the culprit. */
async function renderAll(renderer: BodyRenderer, items: Rendered[]) {
  const reports: RenderReport[] = [];
  const failures: string[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    const r = await renderer.render(batch.map((x) => x.htmlBody));
    reports.push(r);
    if (isClean(r)) continue;
    for (const item of batch) {
      const single = await renderer.render([item.htmlBody]);
      if (!isClean(single)) failures.push(`${item.label}: ${JSON.stringify(single)}`);
    }
    if (failures.length === 0) failures.push(`batch at ${i} dirty only in combination: ${JSON.stringify(r)}`);
  }
  return { totals: sum(reports), failures, pages: reports.length };
}

describe.skipIf(!available)('HtmlBody in headless Chromium', () => {
  let browser: Browser;
  let renderer: BodyRenderer;
  beforeAll(async () => {
    browser = await launchChromium();
    renderer = await BodyRenderer.open(browser);
  });
  afterAll(async () => {
    await renderer?.close();
    await browser?.close();
  });

  it('the detector itself sees scripts, dialogs, requests and forbidden DOM (unsanitized control)', async () => {
    const r = await renderer.render([
      '<img src="data:image/png;base64,AAAA" onerror=alert(1)>',
      '<script>document.title="x"</script>',
      '<link rel=stylesheet href="https://xss.test/x.css">',
      '<a href="javascript:alert(2)" target=_top>x</a>',
    ]);
    expect(r.executions.length).toBeGreaterThanOrEqual(2);
    expect(r.dialogs).toContain('alert: 1');
    expect(r.nonImageRequests.some((x) => x.includes('xss.test/x.css'))).toBe(true);
    expect(r.domViolations.some((x) => x.includes('javascript:'))).toBe(true);
    expect(r.domViolations.some((x) => x.includes('<script>'))).toBe(true);
  });

  it('runs nothing, opens nothing and requests only images for every vector in every MIME shape', async () => {
    const vectors = loadVectors();
    expect(vectors.length).toBeGreaterThanOrEqual(150);
    const items = await produce(bodyConfigSchema.parse({}));
    expect(items.length).toBe(vectors.length * XSS_ENCODINGS.length);
    const { totals, failures, pages } = await renderAll(renderer, items);
    console.info(
      `[browser-xss] vectors=${vectors.length} mails=${items.length} rendered=${totals.rendered} pages=${pages} ` +
        `executions=${totals.executions} dialogs=${totals.dialogs} nonImageRequests=${totals.nonImageRequests} ` +
        `popups=${totals.popups} navigations=${totals.navigations} domViolations=${totals.domViolations} ` +
        `imageRequests=${totals.imageRequests}`,
    );
    // Precondition: every mail reached the page (a page that rendered nothing would be "clean").
    expect(totals.rendered).toBe(items.length);
    expect(failures).toEqual([]);
    expect(totals.executions).toBe(0);
    expect(totals.dialogs).toBe(0);
    expect(totals.nonImageRequests).toBe(0);
  }, 600_000);

  it('with remoteImages=block nothing at all is requested (the same mails under keep do request images)', async () => {
    // Precondition: under keep these mails make the browser request images, so "none under block"
    // is the policy at work, not a detector or a corpus that sees no images at all.
    const kept = await produce(bodyConfigSchema.parse({ remoteImages: 'keep' }), ['html-8bit']);
    const keep = await renderAll(renderer, kept);
    const items = await produce(bodyConfigSchema.parse({ remoteImages: 'block' }), ['html-8bit']);
    const { totals, failures } = await renderAll(renderer, items);
    console.info(
      `[browser-xss] mails=${items.length}: keep policy imageRequests=${keep.totals.imageRequests}, ` +
        `block policy imageRequests=${totals.imageRequests}`,
    );
    expect(keep.totals.rendered).toBe(kept.length);
    expect(keep.totals.imageRequests).toBeGreaterThan(0);
    expect(items.length).toBe(kept.length);
    expect(totals.rendered).toBe(items.length);
    expect(failures).toEqual([]);
    expect(totals.imageRequests).toBe(0);
  }, 600_000);
});
