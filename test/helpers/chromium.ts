import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { type RealPart, realPartsAvailable } from './real-parts.js';

/**
 * Real headless Chromium (Debian's /usr/bin/chromium via playwright-core) for proving that a
 * produced HtmlBody runs nothing and fetches nothing but images when rendered.
 *
 * Detection does not rely on payloads cooperating:
 * - every script the main world compiles is reported by the DevTools protocol
 *   (Debugger.scriptParsed), whether it came from <script>, an event handler attribute, a
 *   javascript: URL or eval; the test itself never evaluates anything in the main world;
 * - dialogs (alert/confirm/prompt) are recorded;
 * - every request is intercepted: the document itself is served from memory, images are answered
 *   with a 1x1 GIF, anything else (document, script, stylesheet, font, fetch, navigation) is
 *   recorded and aborted, so nothing leaves the machine;
 * - popups and main-frame navigations away from the document are recorded;
 * - the rendered DOM is walked (DOM.getDocument, again without page JavaScript) for elements and
 *   attributes that must never survive.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const CHROMIUM_PART: RealPart = {
  name: 'chromium',
  path: CHROMIUM_PATH,
  install: "Debian's chromium package",
};

/**
 * Chromium for the suite at `suiteUrl` (its import.meta.url): in CI a missing browser is an error,
 * elsewhere the caller skips and the skip is listed at the end of the run (test/helpers/real-parts.ts).
 */
export function chromiumAvailable(suiteUrl: string): boolean {
  return realPartsAvailable(suiteUrl, CHROMIUM_PART);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 120_000 });
}

export interface RenderReport {
  /** Bodies found rendered in the page (one <section> each): proves the page held what was sent. */
  rendered: number;
  /** Scripts compiled in a main-world context: each is a payload that ran. */
  executions: string[];
  dialogs: string[];
  nonImageRequests: string[];
  imageRequests: number;
  popups: number;
  navigations: string[];
  /** Forbidden elements/attributes found in the rendered DOM. */
  domViolations: string[];
}

export function isClean(r: RenderReport): boolean {
  return (
    r.executions.length === 0 &&
    r.dialogs.length === 0 &&
    r.nonImageRequests.length === 0 &&
    r.popups === 0 &&
    r.navigations.length === 0 &&
    r.domViolations.length === 0
  );
}

const ORIGIN = 'http://mail2ticket.test';
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const FORBIDDEN_TAGS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'meta',
  'link',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'svg',
  'math',
  'portal',
  'template',
  'video',
  'audio',
  'source',
  'area',
  'map',
  'noscript',
  'dialog',
]);
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'background',
  'action',
  'formaction',
  'poster',
  'srcset',
  'xlink:href',
  'cite',
  'ping',
  'data',
  'dynsrc',
  'lowsrc',
]);
const SAFE_HREF = /^(?:https?:\/\/|mailto:|tel:|#m2t-)/i;
const SAFE_SRC = /^(?:https?:\/\/|data:image\/(?:png|gif|jpe?g|webp|bmp);base64,)/i;

interface DomNode {
  nodeType: number;
  localName: string;
  attributes?: string[];
  children?: DomNode[];
  contentDocument?: DomNode;
}

function walkDom(node: DomNode, path: string, out: string[], inBody: boolean): void {
  const name = node.localName;
  const here = name ? `${path}>${name}` : path;
  const body = inBody || name === 'body';
  if (body && node.nodeType === 1) {
    const parentIsScope = /div$/.test(path);
    if (FORBIDDEN_TAGS.has(name)) out.push(`element <${name}> at ${here}`);
    if (name === 'style' && !parentIsScope) out.push(`<style> outside the scope wrapper at ${here}`);
    const attrs = node.attributes ?? [];
    for (let i = 0; i + 1 < attrs.length; i += 2) {
      const a = attrs[i]!.toLowerCase();
      const v = attrs[i + 1]!;
      if (a.startsWith('on')) out.push(`event handler ${a} on <${name}>`);
      if (URL_ATTRIBUTES.has(a)) {
        const ok =
          a === 'href' ? SAFE_HREF.test(v) : a === 'src' || a === 'background' ? SAFE_SRC.test(v) : false;
        if (!ok) out.push(`${a}="${v.slice(0, 80)}" on <${name}>`);
      }
      if (
        a === 'style' &&
        /position|expression|url\(\s*(?!['"]?\s*(?:https?:|data:image))|behavior|binding/i.test(v)
      ) {
        out.push(`style="${v.slice(0, 80)}" on <${name}>`);
      }
      if (a === 'target' && v !== '_blank') out.push(`target="${v}" on <${name}>`);
    }
  }
  for (const c of node.children ?? []) walkDom(c, here, out, body);
  if (node.contentDocument) out.push(`nested document under ${here}`);
}

function emptyReport(): RenderReport {
  return {
    rendered: 0,
    executions: [],
    dialogs: [],
    nonImageRequests: [],
    imageRequests: 0,
    popups: 0,
    navigations: [],
    domViolations: [],
  };
}

/**
 * One browser context and page, reused for many renders (a fresh context costs seconds on a loaded
 * machine). Each render navigates to a new in-memory document, so nothing carries over but the
 * browser process; every listener reports into the current render's report.
 */
export class BodyRenderer {
  private seq = 0;
  private current = emptyReport();
  private docUrl = '';
  private html = '';
  private readonly mainWorlds = new Set<number>();
  private parsed: { url: string; ctx: number; len: number }[] = [];

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly cdp: CDPSession,
  ) {}

  static async open(browser: Browser): Promise<BodyRenderer> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const r = new BodyRenderer(context, page, cdp);
    cdp.on('Runtime.executionContextCreated', (e) => {
      const aux = e.context.auxData as { isDefault?: boolean } | undefined;
      if (aux?.isDefault) r.mainWorlds.add(e.context.id);
    });
    cdp.on('Debugger.scriptParsed', (e) =>
      r.parsed.push({ url: e.url, ctx: e.executionContextId, len: e.length ?? 0 }),
    );
    await cdp.send('Runtime.enable');
    await cdp.send('Debugger.enable');
    await context.route('**/*', (route) => {
      const req = route.request();
      if (req.url() === r.docUrl)
        return route.fulfill({ contentType: 'text/html; charset=utf-8', body: r.html });
      if (req.resourceType() === 'image') {
        r.current.imageRequests++;
        return route.fulfill({ contentType: 'image/gif', body: GIF });
      }
      r.current.nonImageRequests.push(`${req.resourceType()} ${req.url().slice(0, 120)}`);
      return route.abort();
    });
    page.on('dialog', (d) => {
      r.current.dialogs.push(`${d.type()}: ${d.message().slice(0, 80)}`);
      d.dismiss().catch(() => {});
    });
    context.on('page', (p) => {
      if (p !== page) {
        r.current.popups++;
        p.close().catch(() => {});
      }
    });
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame() && f.url() !== r.docUrl) r.current.navigations.push(f.url().slice(0, 120));
    });
    return r;
  }

  /**
   * Render HTML bodies (each in its own <section>) in one document and report everything that
   * happened: load, then hover a grid over every section and Tab through the focusables so that
   * mouseover/focus handlers get their chance, then walk the DOM.
   */
  async render(bodies: string[]): Promise<RenderReport> {
    this.current = emptyReport();
    this.parsed = [];
    this.mainWorlds.clear();
    this.docUrl = `${ORIGIN}/render-${++this.seq}.html`;
    this.html =
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>render</title></head><body>' +
      bodies.map((b, i) => `<section id="mail-${i}">${b}</section><hr>`).join('') +
      '</body></html>';
    const report = this.current;
    const cdp = this.cdp;
    await this.page.goto(this.docUrl, { waitUntil: 'load', timeout: 120_000 });
    // Input goes through the DevTools protocol (no page JavaScript) and is pipelined: Chromium
    // handles input events in order, so nothing is lost by not awaiting each one.
    const root = (await cdp.send('DOM.getDocument', { depth: 1 })).root;
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', {
      nodeId: root.nodeId,
      selector: 'body > section',
    });
    report.rendered = nodeIds.length;
    for (const nodeId of nodeIds) {
      await cdp.send('DOM.scrollIntoViewIfNeeded', { nodeId }).catch(() => {});
      const moves: Promise<unknown>[] = [];
      for (let gy = 30; gy < 900; gy += 170) {
        for (let gx = 30; gx < 1280; gx += 300) {
          moves.push(cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: gx, y: gy }));
        }
      }
      await Promise.all(moves);
    }
    const keys: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      for (const type of ['rawKeyDown', 'keyUp'] as const) {
        keys.push(
          cdp.send('Input.dispatchKeyEvent', { type, key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9 }),
        );
      }
    }
    await Promise.all(keys);
    // Nothing to await here: the point is to give late handlers (timers, animations) the chance to run.
    await this.page.waitForTimeout(250);

    const doc = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    walkDom(doc.root, '', report.domViolations, false);
    for (const s of this.parsed) {
      if (this.mainWorlds.has(s.ctx)) report.executions.push(`${s.url || '(anonymous)'} (${s.len} chars)`);
    }
    return report;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
