import postcss, { type AtRule, type ChildNode, type Declaration, type Rule } from 'postcss';

/**
 * CSS filtering for mail HTML: one allowlist of properties and one value grammar, applied both to
 * `style="..."` attributes and to the rules of `<style>` blocks.
 *
 * The value grammar is deliberately small: numbers/lengths/percentages, colours (hex, and
 * rgb()/rgba()/hsl()/hsla() with numeric arguments), plain keywords, quoted font names, commas and
 * slashes. Everything else is rejected, which removes the whole family of CSS script and request
 * vectors at once: `expression()` (old IE), `behavior:`/`-moz-binding` (HTC/XBL), `url()` (requests,
 * `javascript:` in old engines), `@import`, and CSS escapes (`\65 xpression`) used to hide them.
 * The only function that may take a URL is `url()` in background images, and only when the caller's
 * image-URL check accepts it.
 */

/** Properties kept. Positioning (`position`, `z-index`, `inset`) is absent on purpose: a mail must not
 * be able to lay itself over the SuperOffice UI it is shown in (UI redress / fake login overlays). */
const ALLOWED_PROPERTIES = new Set([
  'background',
  'background-color',
  'background-image',
  'background-position',
  'background-repeat',
  'background-size',
  'border',
  'border-bottom',
  'border-bottom-color',
  'border-bottom-left-radius',
  'border-bottom-right-radius',
  'border-bottom-style',
  'border-bottom-width',
  'border-collapse',
  'border-color',
  'border-left',
  'border-left-color',
  'border-left-style',
  'border-left-width',
  'border-radius',
  'border-right',
  'border-right-color',
  'border-right-style',
  'border-right-width',
  'border-spacing',
  'border-style',
  'border-top',
  'border-top-color',
  'border-top-left-radius',
  'border-top-right-radius',
  'border-top-style',
  'border-top-width',
  'border-width',
  'caption-side',
  'clear',
  'color',
  'direction',
  'display',
  'empty-cells',
  'float',
  'font',
  'font-family',
  'font-size',
  'font-stretch',
  'font-style',
  'font-variant',
  'font-weight',
  'height',
  'letter-spacing',
  'line-height',
  'list-style',
  'list-style-position',
  'list-style-type',
  'margin',
  'margin-bottom',
  'margin-left',
  'margin-right',
  'margin-top',
  'max-height',
  'max-width',
  'min-height',
  'min-width',
  'opacity',
  'outline',
  'overflow',
  'overflow-wrap',
  'padding',
  'padding-bottom',
  'padding-left',
  'padding-right',
  'padding-top',
  'table-layout',
  'text-align',
  'text-decoration',
  'text-decoration-color',
  'text-decoration-line',
  'text-decoration-style',
  'text-indent',
  'text-transform',
  'unicode-bidi',
  'vertical-align',
  'visibility',
  'white-space',
  'width',
  'word-break',
  'word-spacing',
  'word-wrap',
]);

/** Properties that may carry `url()`; the URL goes through the image policy. */
const URL_PROPERTIES = new Set(['background', 'background-image']);
/** Properties where a negative length would pull content outside the mail's own box. */
const NON_NEGATIVE =
  /^(margin|padding|width|height|min-|max-|border|letter-spacing|word-spacing|text-indent)/;

const TOKEN =
  /\s+|,|\/|!important|#[0-9a-f]{3,8}(?![\w-])|[+-]?(?:\d+\.?\d*|\.\d+)(?:%|[a-z]{1,4})?(?![\w-])|(?:rgba?|hsla?)\(\s*[-+\d.%\s,/]*\)|"[\w .,\-&']*"|'[\w .,\-&"]*'|-?[a-z_][\w-]*/giy;
const URL_TOKEN = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^"'()\s]*))\s*\)/giy;
/** Keywords that are never a legitimate value, even though they are valid identifiers. */
const BAD_WORDS = /expression|javascript|vbscript|behavior|binding|import|fixed|sticky|absolute/i;

export type ImageUrlCheck = (url: string) => string | null;

/**
 * Returns the value to keep (URLs possibly rewritten by `imageUrl`), or null to drop the declaration.
 * `imageUrl` returns the accepted URL or null; without it no url() is allowed.
 */
export function filterDeclaration(prop: string, value: string, imageUrl?: ImageUrlCheck): string | null {
  const p = prop.trim().toLowerCase();
  if (!ALLOWED_PROPERTIES.has(p)) return null;
  const v = value.trim();
  // Backslashes (CSS escapes), comments, angle brackets and control characters can only serve to
  // disguise something from this filter or from the HTML parser; real mail never needs them here.
  if (v === '' || v.length > 1000 || /[\\<>{};@\u0000-\u001f\u007f]|\/\*/.test(v)) return null;
  let out = '';
  let pos = 0;
  while (pos < v.length) {
    URL_TOKEN.lastIndex = pos;
    const u = URL_TOKEN.exec(v);
    if (u) {
      if (!URL_PROPERTIES.has(p) || !imageUrl) return null;
      const ok = imageUrl((u[1] ?? u[2] ?? u[3] ?? '').trim());
      if (ok === null || /["'()\\\s]/.test(ok)) return null;
      out += `url("${ok}")`;
      pos = URL_TOKEN.lastIndex;
      continue;
    }
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(v);
    if (!m || m[0].length === 0) return null;
    const tok = m[0];
    if (/^-?[a-z_]/i.test(tok) && BAD_WORDS.test(tok)) return null;
    if (tok.startsWith('-') && /^-[\d.]/.test(tok) && NON_NEGATIVE.test(p)) return null;
    out += tok;
    pos = TOKEN.lastIndex;
  }
  return out;
}

/**
 * A small least-recently-used map, bounded by entries and by the characters of keys and values
 * together, so memoising whole `<style>` blocks (up to MAX_STYLE_CHARS each) cannot grow the heap.
 */
export class BoundedLru<V extends string | { css: string }> {
  private readonly map = new Map<string, V>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // re-insert: Map iteration order is insertion order, so the first key is the least recent
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    const size = key.length + (typeof value === 'string' ? value.length : value.css.length);
    if (size > this.maxChars) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.chars -= key.length + (typeof old === 'string' ? old.length : old.css.length);
    }
    this.map.set(key, value);
    this.chars += size;
    while (this.map.size > this.maxEntries || this.chars > this.maxChars) {
      const [k, v] = this.map.entries().next().value as [string, V];
      this.map.delete(k);
      this.chars -= k.length + (typeof v === 'string' ? v.length : v.css.length);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Newsletters and Outlook repeat the same few style attributes on every cell, and parsing each
 * with postcss was the sanitizer's largest cost; results are memoised per style string (bounded).
 * Only styles without url() are cached: theirs depend on the image policy of the mail at hand.
 */
const STYLE_CACHE_MAX = 4096;
/** Cleared when full rather than LRU: a hit is then one Map lookup (LRU upkeep on every hit
 * measured at 3 % of the sanitizer), and one mail's styles refill it at once. */
const styleCache = new Map<string, string>();

/** Filter a `style` attribute value; returns the kept declarations joined, or '' when none survive. */
export function filterInlineStyle(style: string, imageUrl?: ImageUrlCheck): string {
  if (/url|\\/i.test(style)) return filterInlineStyleUncached(style, imageUrl);
  let kept = styleCache.get(style);
  if (kept === undefined) {
    kept = filterInlineStyleUncached(style, imageUrl);
    if (styleCache.size >= STYLE_CACHE_MAX) styleCache.clear();
    styleCache.set(style, kept);
  }
  return kept;
}

/**
 * The declarations of a style attribute that is a plain `prop: value; ...` list, split without
 * postcss; null when the text holds anything postcss could read differently from a split on `;`
 * and `:` (comments, escapes, quotes, `url(`, `@`, braces, `!important`, a `;` inside
 * parentheses, a declaration without a colon, an unusual property name), which then goes to
 * postcss. Only ASCII space characters are allowed, because postcss trims exactly those.
 * test/body-css-fast.test.ts checks it against the postcss path on generated and real styles.
 */
const SIMPLE_STYLE = /^[A-Za-z0-9_ \t\n\r\f#%.,;:()+\-/]*$/;
// no leading `_` or `*`: postcss moves those IE hacks out of the property name
const SIMPLE_PROP = /^-?[A-Za-z][\w-]*$/;
const SPACE_EDGES = /^[ \t\n\r\f]+|[ \t\n\r\f]+$/g;

export function simpleDeclarations(style: string): [prop: string, value: string][] | null {
  if (!SIMPLE_STYLE.test(style) || style.includes('/*') || /url\(/i.test(style)) return null;
  // parentheses (rgb(), hsl()) are fine as long as they do not nest and hold no `;` or `:`
  if (style.includes('(') || style.includes(')')) {
    if (!/^(?:[^()]|\([^();:]*\))*$/.test(style)) return null;
  }
  const out: [string, string][] = [];
  for (const segment of style.split(';')) {
    if (/^[ \t\n\r\f]*$/.test(segment)) continue;
    const colon = segment.indexOf(':');
    if (colon < 0) return null;
    const prop = segment.slice(0, colon).replace(SPACE_EDGES, '');
    const value = segment.slice(colon + 1).replace(SPACE_EDGES, '');
    if (!SIMPLE_PROP.test(prop) || value.includes(':')) return null;
    out.push([prop, value]);
  }
  return out;
}

/** Without the memo: the simple-declaration path when it applies, else postcss. */
export function filterInlineStyleUncached(style: string, imageUrl?: ImageUrlCheck): string {
  const simple = simpleDeclarations(style);
  if (simple) {
    const kept: string[] = [];
    for (const [prop, value] of simple) {
      const v = filterDeclaration(prop, value, imageUrl);
      if (v !== null) kept.push(`${prop.toLowerCase()}:${v}`);
    }
    return kept.join(';');
  }
  return filterInlineStylePostcss(style, imageUrl);
}

/** The general path: postcss reads the declarations. Exported for the equivalence test. */
export function filterInlineStylePostcss(style: string, imageUrl?: ImageUrlCheck): string {
  let root: postcss.Root;
  try {
    root = postcss.parse(`a{${style}}`);
  } catch {
    return '';
  }
  const rule = root.first;
  if (rule?.type !== 'rule') return '';
  const kept: string[] = [];
  rule.each((node) => {
    if (node.type !== 'decl') return;
    const v = filterDeclaration(node.prop, node.value, imageUrl);
    if (v !== null) kept.push(`${node.prop.toLowerCase()}:${v}${node.important ? ' !important' : ''}`);
  });
  return kept.join(';');
}

export interface StyleBlockResult {
  css: string;
  rulesKept: number;
  rulesDropped: number;
}

/** Prefix for the mail's own class and id names, so they cannot collide with the host page's. */
export const NAME_PREFIX = 'm2t-';
/** Class of the wrapper element every kept <style> rule is scoped under. */
export const SCOPE_CLASS = 'm2t-mail';

/**
 * `body.quotedText: "mark"`: quoted history and signatures, wrapped by src/reply/html.ts in
 * elements with these classes, shown muted. Scoped like every other rule; a mail's own class
 * "quoted" becomes "m2t-quoted" too, which can only mute that mail's own text.
 */
export const REPLY_MARK_CSS = `.${SCOPE_CLASS} .m2t-quoted{opacity:0.6}.${SCOPE_CLASS} .m2t-signature{opacity:0.6;font-size:90%}`;

// Selectors: simple ones only (type, class, id, attribute presence/equality, a few pseudo-classes,
// combinators). Anything else (escapes, namespaces, unusual pseudo-elements) drops the rule.
const SELECTOR_CHARS = /^[\w\-.#*>+~:,()[\]="' \t\n|^$]+$/;
const PSEUDO_OK =
  /^:(?:hover|link|visited|active|focus|first-child|last-child|only-child|nth-child\([\w+\- ]*\)|first-of-type|last-of-type|not\([\w\-.# ]*\)|root|first-letter|first-line)$/i;

/** Rewrite one selector to live under the scope: `.x` -> `.m2t-x`, `#x` -> `#m2t-x`, `body` -> scope. */
function scopeSelector(sel: string): string | null {
  const s = sel.trim();
  if (s === '' || !SELECTOR_CHARS.test(s)) return null;
  for (const pseudo of s.match(/::?[a-z-]+(?:\([^)]*\))?/gi) ?? []) {
    if (!PSEUDO_OK.test(pseudo.replace(/^::/, ':'))) return null;
  }
  // Outside [...] attribute brackets and quotes, prefix class and id names.
  let out = '';
  let inBracket = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    if (!inBracket && (c === '.' || c === '#') && /[\w-]/.test(s[i + 1] ?? '')) {
      out += c + NAME_PREFIX;
      continue;
    }
    out += c;
  }
  // html, body and :root are the mail's own document: they become the wrapper.
  const rooted = out.replace(/^(?:html\s*(?:>\s*)?)?(?:body|html|:root)(?![\w-])/i, `.${SCOPE_CLASS}`);
  return rooted.startsWith(`.${SCOPE_CLASS}`) ? rooted : `.${SCOPE_CLASS} ${rooted}`;
}

function filterRule(rule: Rule, imageUrl: ImageUrlCheck | undefined): string | null {
  const selectors = rule.selectors.map(scopeSelector);
  if (selectors.some((x) => x === null)) return null;
  const decls: string[] = [];
  rule.each((node) => {
    if (node.type !== 'decl') return;
    const d = node as Declaration;
    const v = filterDeclaration(d.prop, d.value, imageUrl);
    if (v !== null) decls.push(`${d.prop.toLowerCase()}:${v}${d.important ? ' !important' : ''}`);
  });
  if (decls.length === 0) return null;
  return `${selectors.join(',')}{${decls.join(';')}}`;
}

function filterNodes(
  nodes: ChildNode[],
  imageUrl: ImageUrlCheck | undefined,
  r: StyleBlockResult,
  depth: number,
) {
  const out: string[] = [];
  for (const node of nodes) {
    if (node.type === 'rule') {
      const kept = filterRule(node, imageUrl);
      if (kept === null) r.rulesDropped++;
      else {
        r.rulesKept++;
        out.push(kept);
      }
    } else if (node.type === 'atrule') {
      const at = node as AtRule;
      // @media keeps responsive mail working; @import, @font-face (remote fonts), @keyframes,
      // @namespace, @charset and the rest are dropped.
      if (depth === 0 && at.name.toLowerCase() === 'media' && /^[\w\s():,.-]*$/.test(at.params) && at.nodes) {
        const inner = filterNodes(at.nodes, imageUrl, r, depth + 1);
        if (inner.length) out.push(`@media ${at.params.trim()}{${inner.join('')}}`);
      } else r.rulesDropped++;
    }
  }
  return out;
}

/**
 * Filter the text of a `<style>` block: every rule scoped under `.m2t-mail`, every declaration
 * through the same allowlist as inline styles. The result never contains `<`, so it cannot close
 * the `<style>` element it is written into.
 */
export function filterStyleBlock(css: string, imageUrl?: ImageUrlCheck): StyleBlockResult {
  // Without url() the result does not depend on the mail's image policy: newsletter templates
  // repeat the same <style> text mail after mail, so it is filtered once (bounded LRU).
  if (/url/i.test(css)) return filterStyleBlockUncached(css, imageUrl);
  const cached = styleBlockCache.get(css);
  if (cached) return { ...cached };
  const r = filterStyleBlockUncached(css, imageUrl);
  styleBlockCache.set(css, { ...r });
  return r;
}

/** Distinct `<style>` texts remembered; 2 MiB of characters at most (keys and results). */
export const STYLE_BLOCK_CACHE_MAX = 64;
const styleBlockCache = new BoundedLru<StyleBlockResult>(STYLE_BLOCK_CACHE_MAX, 2 * 1024 * 1024);

function filterStyleBlockUncached(css: string, imageUrl?: ImageUrlCheck): StyleBlockResult {
  const r: StyleBlockResult = { css: '', rulesKept: 0, rulesDropped: 0 };
  let root: postcss.Root;
  try {
    // HTML comment delimiters were allowed around style content by old clients; they are noise.
    root = postcss.parse(css.replace(/<!--|-->/g, ''));
  } catch {
    r.rulesDropped++;
    return r;
  }
  const out = filterNodes(root.nodes, imageUrl, r, 0).join('\n');
  r.css = out.includes('<') ? '' : out;
  return r;
}
