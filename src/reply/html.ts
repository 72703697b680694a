import { DomUtils, parseDocument } from 'htmlparser2';
import { NAME_PREFIX } from '../body/css.js';
import {
  ATTRIBUTION,
  FORWARD,
  forwardSubject,
  matchPhrase,
  ORIGINAL_MESSAGE,
  outlookBlockAt,
} from './quote-headers.js';
import { certainlyNoSplit, decodeForMatch } from './html-gate.js';
import { isSentFromLine } from './signature.js';

/**
 * The HTML splitter. It reads the SANITISED HtmlBody: class and id values survive sanitising with
 * the `m2t-` prefix (src/body/sanitize.ts), so the clients' own markers are still there to find,
 * and whatever `mark` or `strip` writes back is built from already-safe markup. Pure.
 *
 * The one marker the sanitiser removes is Apple Mail's `type="cite"` (blockquote has no `type` in
 * the allowlist); Apple Mail is recognised by its attribution line at the top of, or right before,
 * the blockquote instead, which every Apple Mail reply carries.
 */

type Doc = ReturnType<typeof parseDocument>;
type Node = Doc['children'][number];
type Parent = Node['parent'];
type Elem = Extract<Node, { name: string; attribs: Record<string, string> }>;

export interface HtmlSplit {
  /** `html:...` when confident; `none`, `none:forward` or `uncertain:...` otherwise. */
  method: string;
  /** Nodes of quoted history, each taken whole. */
  quoted: Node[];
  signature: Node[];
  doc: Doc;
}

export const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'div',
  'dl',
  'dt',
  'dd',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);

const isElem = (n: Node | null | undefined): n is Elem => !!n && DomUtils.isTag(n);
/** A class token; the substring test first spares the split for almost every element (a token is a substring). */
function hasClass(e: Elem, c: string): boolean {
  const value = e.attribs.class;
  const name = NAME_PREFIX + c;
  if (!value?.includes(name)) return false;
  return value.split(/\s+/).includes(name);
}
const idIs = (e: Elem, id: string) => e.attribs.id === NAME_PREFIX + id;

/** Minimal entity decoding for matching phrases (the DOM keeps entities raw so it round-trips). */
const decode = decodeForMatch;

/** Text of a subtree as lines: <br> and block elements break lines. Capped: only the top matters. */
function linesOf(node: Node, max = 4000): string[] {
  let out = '';
  const walk = (n: Node) => {
    if (out.length > max) return;
    if (n.type === 'text') out += decode((n as { data: string }).data).replace(/\s+/g, ' ');
    else if (isElem(n)) {
      if (n.name === 'style') return;
      const block = BLOCK.has(n.name);
      if (block) out += '\n';
      for (const c of n.children) {
        if (out.length > max) break;
        walk(c as Node);
      }
      if (block) out += '\n';
    }
  };
  walk(node);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Does the text start with an attribution line (on up to three lines, as clients wrap it)? */
function attributionIn(lines: readonly string[]): string | undefined {
  let joined = '';
  for (let k = 0; k < Math.min(3, lines.length); k++) {
    joined = k === 0 ? (lines[0] ?? '') : `${joined} ${lines[k]}`;
    const p = matchPhrase(ATTRIBUTION, joined);
    // Before or inside a blockquote, even the generic shapes are backed by the quote itself.
    if (p) return p.lang;
  }
  return undefined;
}

/** The last lines of a node, for an attribution written just before a blockquote. */
function attributionBefore(prev: Node | null): string | undefined {
  if (!prev) return undefined;
  const lines = linesOf(prev);
  for (let k = Math.max(0, lines.length - 3); k < lines.length; k++) {
    const lang = attributionIn(lines.slice(k));
    if (lang) return lang;
  }
  return undefined;
}

function previousNonBlank(n: Node): Node | null {
  let p = n.prev as Node | null;
  while (p && p.type === 'text' && decode((p as { data: string }).data).trim() === '')
    p = p.prev as Node | null;
  if (p && isElem(p) && p.name === 'br') return previousNonBlank(p);
  return p;
}

function nextElement(n: Node): Elem | undefined {
  let p = n.next as Node | null;
  while (p && !isElem(p)) p = p.next as Node | null;
  return p ?? undefined;
}

/** Everything after `node` in document order, walked up through its ancestors. */
function afterInDocument(node: Node, root: Doc): Node[] {
  const out: Node[] = [];
  let cur: Node | null = node;
  let first = true;
  while (cur && (cur as unknown) !== root) {
    for (let s: Node | null = first ? cur : (cur.next as Node | null); s; s = s.next as Node | null)
      out.push(s);
    first = false;
    cur = (cur.parent as Node | null) ?? null;
  }
  return out;
}

interface Found {
  method: string;
  nodes: Node[];
  forward?: boolean;
}

function outlookHeaderText(node: Node): boolean {
  const lines = linesOf(node, 1500);
  return lines.length > 0 && outlookBlockAt(lines, 0);
}

const STYLE_BORDER_TOP = /border-top\s*:\s*[^;]*solid/i;

/** The first boundary at or under `n`, in document order; undefined when there is none there. */
function findIn(n: Node, doc: Doc, subject: string): Found | undefined {
  if (n.type === 'text') {
    const t = decode((n as { data: string }).data).trim();
    if (t.length > 0 && t.length < 100) {
      if (matchPhrase(FORWARD, t)) return { method: 'none:forward', nodes: [], forward: true };
      if (matchPhrase(ORIGINAL_MESSAGE, t)) {
        if (forwardSubject(subject)) return { method: 'none:forward', nodes: [], forward: true };
        return { method: 'html:original-message', nodes: afterInDocument(n, doc) };
      }
    }
    return undefined;
  }
  if (n.type === 'root') return findInChildren(n, doc, subject);
  if (!isElem(n) || n.name === 'style') return undefined;
  const toTheEnd = (method: string, from: Node = n): Found =>
    forwardSubject(subject)
      ? { method: 'none:forward', nodes: [], forward: true }
      : { method, nodes: afterInDocument(from, doc) };

  // Gmail: <div class="gmail_quote"> holds the attribution (div.gmail_attr) and the blockquote; a
  // forward uses the same container with "---------- Forwarded message ---------" on top.
  if (n.name === 'div' && (hasClass(n, 'gmail_quote') || hasClass(n, 'gmail_quote_container'))) {
    const first = linesOf(n, 300)[0] ?? '';
    if (matchPhrase(FORWARD, first)) return { method: 'none:forward', nodes: [], forward: true };
    return { method: 'html:gmail_quote', nodes: [n] };
  }
  // Thunderbird: <div class="moz-cite-prefix">On ... wrote:</div><blockquote type="cite">;
  // a forward is <div class="moz-forward-container">.
  if (hasClass(n, 'moz-forward-container')) return { method: 'none:forward', nodes: [], forward: true };
  if (hasClass(n, 'moz-cite-prefix')) {
    const next = nextElement(n);
    if (next?.name === 'blockquote') return { method: 'html:moz-cite-prefix', nodes: [n, next] };
  }
  // Outlook on the web / new Outlook / Outlook for iOS and Android: <hr> then <div id="divRplyFwdMsg">
  // with From/Sent/To/Subject; the history follows to the end. The same block serves forwards.
  if (idIs(n, 'divRplyFwdMsg')) {
    const prev = previousNonBlank(n);
    return toTheEnd('html:divRplyFwdMsg', isElem(prev) && prev.name === 'hr' ? prev : n);
  }
  // Outlook for Mac: <span id="OLK_SRC_BODY_SECTION"> around the header block and the history.
  if (idIs(n, 'OLK_SRC_BODY_SECTION')) return toTheEnd('html:OLK_SRC_BODY_SECTION');
  // Outlook desktop: <div style="border:none;border-top:solid #E1E1E1 1.0pt;..."> (2013+) or
  // "border-top:solid #B5C4DF 1.0pt" (2007/2010) around the From/Sent/To/Subject block.
  if (n.name === 'div' && STYLE_BORDER_TOP.test(n.attribs.style ?? '') && outlookHeaderText(n)) {
    return toTheEnd('html:outlook-border');
  }
  // Yahoo Mail: <div class="yahoo_quoted"> holds the attribution and the quoted message.
  if (hasClass(n, 'yahoo_quoted')) return { method: 'html:yahoo_quoted', nodes: [n] };
  // Zimbra: <hr id="zwchr"> then the From/To/Sent block and the history.
  if (n.name === 'hr' && idIs(n, 'zwchr')) return toTheEnd('html:zimbra');
  // Any client: <hr> followed by a From/Sent/To/Subject block.
  if (n.name === 'hr') {
    const next = nextElement(n);
    // (Outlook on the web's <hr> is named by the divRplyFwdMsg after it, below.)
    if (next && !idIs(next, 'divRplyFwdMsg') && outlookHeaderText(next)) return toTheEnd('html:hr-header');
  }
  // Apple Mail (macOS, iOS) and clients without markers: a blockquote that opens with, or follows,
  // an attribution line. iOS puts the attribution in one blockquote and the history in the next.
  if (n.name === 'blockquote') {
    const inside = attributionIn(linesOf(n, 600));
    const prev = previousNonBlank(n);
    const before = inside ? undefined : attributionBefore(prev);
    if (inside || before) {
      const nodes: Node[] = before && prev ? [prev, n] : [n];
      return { method: `html:blockquote(${inside ?? before})`, nodes };
    }
    return undefined;
  }
  return findInChildren(n, doc, subject);
}

function findInChildren(n: Node, doc: Doc, subject: string): Found | undefined {
  for (const c of (n as unknown as { children: Node[] }).children) {
    const f = findIn(c, doc, subject);
    if (f) return f;
  }
  return undefined;
}

/** Blockquotes not yet taken, outside any taken node: the rest of an interleaved or iOS history. */
function laterBlockquotes(doc: Doc, taken: Set<Node>): Node[] {
  const out: Node[] = [];
  let seenTaken = false;
  const walk = (n: Node) => {
    if (taken.has(n)) {
      seenTaken = true;
      return;
    }
    if (!isElem(n)) return;
    if (n.name === 'blockquote' && seenTaken) {
      out.push(n);
      return;
    }
    for (const c of n.children) walk(c as Node);
  };
  for (const c of doc.children) walk(c as Node);
  return out;
}

/** Signature markers left by the clients, or a "Sent from my ..." block, in the new part. */
function findSignatureNodes(doc: Doc, taken: Set<Node>): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (taken.has(n) || !isElem(n)) return;
    if (
      // Gmail, Thunderbird, Outlook on the web, Outlook for iOS/Android
      hasClass(n, 'gmail_signature') ||
      hasClass(n, 'moz-signature') ||
      idIs(n, 'Signature') ||
      idIs(n, 'ms-outlook-mobile-signature')
    ) {
      out.push(n);
      return;
    }
    // Apple Mail / iOS: <div>Sent from my iPhone</div>, a block with just that line.
    if (n.name === 'div' || n.name === 'p') {
      const lines = linesOf(n, 200);
      if (lines.length === 1 && isSentFromLine(lines[0] ?? '')) {
        out.push(n);
        return;
      }
    }
    for (const c of n.children) walk(c as Node);
  };
  for (const c of doc.children) walk(c as Node);
  return out;
}

function hasText(n: Node, skip: Set<Node>): boolean {
  if (skip.has(n)) return false;
  if (n.type === 'text') return decode((n as { data: string }).data).trim() !== '';
  if (!isElem(n) || n.name === 'style') return false;
  if (n.name === 'img') return true;
  return n.children.some((c) => hasText(c as Node, skip));
}

export function splitHtml(html: string, subject: string): HtmlSplit {
  return certainlyNoSplit(html, BLOCK) ? noSplit(html) : splitHtmlDom(html, subject);
}

/** The DOM walk itself (exported for the test that checks the string-level shortcut against it). */
export function splitHtmlDom(html: string, subject: string): HtmlSplit {
  const doc = parseDocument(html, { decodeEntities: false });
  const found = findIn(doc as unknown as Node, doc, subject);
  const base = { quoted: [] as Node[], signature: [] as Node[], doc };
  if (!found) {
    const signature = findSignatureNodes(doc, new Set());
    return { ...base, method: 'none', signature };
  }
  if (found.forward) return { ...base, method: found.method };
  const taken = new Set(found.nodes);
  for (const b of laterBlockquotes(doc, taken)) taken.add(b);
  const quoted = [...taken];
  const signature = findSignatureNodes(doc, taken);
  const skip = new Set([...taken, ...signature]);
  if (!doc.children.some((c) => hasText(c as Node, skip))) {
    return { ...base, quoted, method: 'uncertain:empty-new-part' };
  }
  return { quoted, signature, method: found.method, doc };
}

/**
 * What the DOM walk gives for HTML without any boundary or signature (src/reply/html-gate.ts), with
 * the document built only if a caller renders from it.
 */
function noSplit(html: string): HtmlSplit {
  let doc: Doc | undefined;
  return {
    method: 'none',
    quoted: [],
    signature: [],
    get doc() {
      doc ??= parseDocument(html, { decodeEntities: false });
      return doc;
    },
  };
}

const INLINE_PARENTS = new Set([
  'p',
  'span',
  'font',
  'a',
  'b',
  'i',
  'u',
  'em',
  'strong',
  'small',
  'big',
  'td',
]);

/**
 * Serialise the document again, wrapping (mode `mark`) or dropping (mode `strip`) the quoted and
 * signature nodes. Untouched subtrees are written by dom-serializer with entities as they were, so
 * the markup is the sanitiser's own; only `<div|span class="m2t-quoted|m2t-signature">` is added.
 */
export function renderHtml(split: HtmlSplit, mode: 'mark' | 'strip'): string {
  const quoted = new Set(split.quoted);
  const signature = new Set(split.signature);
  const onPath = new Set<Parent>();
  for (const n of [...quoted, ...signature]) {
    for (let p = n.parent; p; p = p.parent) onPath.add(p);
  }
  const opts = { decodeEntities: false } as const;
  const classOf = (n: Node) =>
    quoted.has(n) ? 'm2t-quoted' : signature.has(n) ? 'm2t-signature' : undefined;

  const renderChildren = (parent: { children: Node[]; name?: string }): string => {
    let out = '';
    const kids = parent.children;
    let i = 0;
    while (i < kids.length) {
      const k = kids[i] as Node;
      const cls = classOf(k);
      if (!cls) {
        out += render(k);
        i++;
        continue;
      }
      // a run of siblings with the same role (whitespace between them included)
      let j = i;
      let run = '';
      while (j < kids.length) {
        const c = kids[j] as Node;
        if (classOf(c) === cls) run += DomUtils.getOuterHTML(c, opts);
        else if (
          c.type === 'text' &&
          decode((c as { data: string }).data).trim() === '' &&
          classOf(kids[j + 1] as Node) === cls
        )
          run += (c as { data: string }).data;
        else break;
        j++;
      }
      if (mode === 'mark' || cls === 'm2t-signature') {
        const tag = INLINE_PARENTS.has(parent.name ?? '') ? 'span' : 'div';
        out += mode === 'mark' ? `<${tag} class="${cls}">${run}</${tag}>` : run;
      }
      i = j;
    }
    return out;
  };

  const render = (n: Node): string => {
    if (!isElem(n) || !onPath.has(n as unknown as Parent)) return DomUtils.getOuterHTML(n, opts);
    const saved = n.children;
    n.children = [];
    const shell = DomUtils.getOuterHTML(n, opts);
    n.children = saved;
    const close = `</${n.name}>`;
    const open = shell.endsWith(close) ? shell.slice(0, -close.length) : shell;
    return `${open}${renderChildren(n as unknown as { children: Node[]; name: string })}${close}`;
  };

  return renderChildren(split.doc as unknown as { children: Node[] });
}

/** The HTML of the new part without the signature (for its text), or with it. */
export function newPartHtml(split: HtmlSplit, withSignature: boolean): string {
  const stripped: HtmlSplit = withSignature
    ? split
    : { ...split, quoted: [...split.quoted, ...split.signature], signature: [] };
  return renderHtml(stripped, 'strip');
}

/** The markup of some nodes as the sanitiser wrote it. */
export function outerHtml(nodes: readonly Node[]): string {
  return nodes.map((n) => DomUtils.getOuterHTML(n, { decodeEntities: false })).join('');
}
