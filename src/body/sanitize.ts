import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';
import type { Limits } from '../limits.js';
import type { InlineImage } from '../types.js';
import {
  ALLOWED_TAGS,
  ATTRIBUTE_VALUES,
  DROP_WITH_CONTENT,
  GLOBAL_ATTRIBUTES,
  TAG_ATTRIBUTES,
} from './allowlist.js';
import { MAX_HTML_NESTING, MAX_STYLE_CHARS, truncationNote } from './body-limits.js';
import type { BodyConfig } from './config-schema.js';
import { filterInlineStyle, filterStyleBlock, type ImageUrlCheck, NAME_PREFIX, SCOPE_CLASS } from './css.js';
import { type ImageContext, imageContext, imageSrc, linkHref } from './urls.js';

export interface SanitizeResult {
  html: string;
  notes: string[];
  /** True when nesting deeper than MAX_HTML_NESTING was flattened (the text of it is kept). */
  flattened: boolean;
}

const TEXT_ATTRIBUTES = new Set(['title', 'alt', 'summary', 'abbr']);
/** The allowlists as sets: transformAttributes runs for every element of every mail. */
const GLOBAL_ATTRIBUTE_SET = new Set(GLOBAL_ATTRIBUTES);
const TAG_ATTRIBUTE_SETS = new Map(
  Object.entries(TAG_ATTRIBUTES).map(([tag, names]) => [tag, new Set(names)]),
);
const NO_ATTRIBUTES = new Set<string>();

/**
 * An array whose indexOf is a Map lookup. sanitize-html asks `allowedTags.indexOf(name) > -1`
 * several times per element (tagAllowed: 4 % of the sanitizer's CPU on the benchmark corpus with
 * a plain array); the elements, and every index it returns, are those of the plain array.
 */
class IndexedList extends Array<string> {
  private readonly index = new Map<string, number>();
  // map(), filter(), slice() of it give plain arrays, never an IndexedList with an empty index
  static override get [Symbol.species]() {
    return Array;
  }
  static of2(items: readonly string[]): IndexedList {
    const list = new IndexedList();
    for (const item of items) list.push(item);
    items.forEach((item, i) => {
      if (!list.index.has(item)) list.index.set(item, i);
    });
    return list;
  }
  override indexOf(item: string, fromIndex?: number): number {
    if (fromIndex !== undefined) return super.indexOf(item, fromIndex);
    return this.index.get(item) ?? -1;
  }
  override includes(item: string, fromIndex?: number): boolean {
    return this.indexOf(item, fromIndex) > -1;
  }
}
const ALLOWED_TAG_LIST = IndexedList.of2(ALLOWED_TAGS);
const NAME_TOKEN = /^[\w-]{1,100}$/;

/** Rewrite one element's attributes: keep only allowlisted names with valid values, judge URLs. */
function transformAttributes(
  tag: string,
  attribs: Record<string, string>,
  images: ImageUrlCheck,
  body: BodyConfig,
): Record<string, string> {
  const out: Record<string, string> = {};
  const perTag = TAG_ATTRIBUTE_SETS.get(tag) ?? NO_ATTRIBUTES;
  for (const rawName in attribs) {
    const value = attribs[rawName]!;
    const name = rawName.toLowerCase();
    if (!GLOBAL_ATTRIBUTE_SET.has(name) && !perTag.has(name)) continue;
    if (name === 'style') {
      const style = filterInlineStyle(value, images);
      if (style) out.style = style;
    } else if (name === 'class') {
      // Prefixed so a mail cannot borrow the host page's classes (a "modal" or "hidden" class of
      // the SuperOffice client) and so kept <style> rules match only the mail's own elements.
      const classes = value.split(/\s+/).filter((c) => NAME_TOKEN.test(c));
      if (classes.length) out.class = classes.map((c) => NAME_PREFIX + c).join(' ');
    } else if (name === 'id') {
      // Prefixed against DOM clobbering: `<img id="config">` would otherwise shadow `window.config`.
      if (/^[\w\-.:]{1,100}$/.test(value)) out.id = NAME_PREFIX + value;
    } else if (name === 'href') {
      const href = linkHref(value);
      if (href !== null) out.href = href;
    } else if (name === 'src' || name === 'background') {
      const src = images(value);
      if (src !== null) out[name] = src;
    } else if (name === 'hidden') {
      // boolean attribute: sanitize-html drops empty values, so write it in its long form
      out.hidden = 'hidden';
    } else if (TEXT_ATTRIBUTES.has(name)) {
      out[name] = value.slice(0, 1000);
    } else if (name !== 'target' && name !== 'rel' && ATTRIBUTE_VALUES[name]?.test(value)) {
      out[name] = value.trim();
    }
  }
  if (tag === 'a') {
    // <a name> is the old form of an in-page anchor; it becomes a prefixed id (name clobbers too).
    if (!out.id && attribs.name && /^[\w\-.:]{1,100}$/.test(attribs.name))
      out.id = NAME_PREFIX + attribs.name;
    if (out.href && !out.href.startsWith('#')) {
      out.rel = 'noopener noreferrer';
      if (body.linkTarget === '_blank') out.target = '_blank';
    }
  } else if (tag === 'img' && !out.src) {
    const src = browserCleanLower(attribs.src ?? '');
    const fallback = src.startsWith('cid:') ? '[inline image not shown]' : src ? '[image not shown]' : '';
    const alt = (attribs.alt ?? '').trim() || fallback;
    if (alt) out.alt = alt.slice(0, 1000);
  }
  return out;
}

function browserCleanLower(s: string): string {
  return s.trim().toLowerCase();
}

/**
 * Text of every <style> element, read with the same parser family sanitize-html uses.
 *
 * Only the part of the document up to the last `</style` can hold style text, unless a style
 * element is still open there (or one opens later, which needs a literal `<style`): mail puts its
 * <style> blocks in the <head>, so the parse usually stops after a few hundred bytes instead of
 * reading the whole body a second time (sanitize-html parses it once already). The parser is fed
 * the same bytes in two writes instead of one, which htmlparser2 tokenizes identically (it is a
 * streaming parser); test/body-css-fast.test.ts compares both on crafted and real documents.
 */
export function collectStyleText(html: string): string {
  let cut = html.length;
  const lastClose = lastIndexOfCi(html, '</style');
  if (lastClose >= 0 && lastIndexOfCi(html, '<style') < lastClose) {
    const gt = html.indexOf('>', lastClose);
    if (gt >= 0) cut = gt + 1;
  }
  const state = { depth: 0, css: '' };
  const parser = styleParser(state);
  parser.write(cut < html.length ? html.slice(0, cut) : html);
  // The rest is skipped only when no style element is open and the tokenizer is between tokens
  // (not inside a tag whose `>` lies beyond the cut, e.g. `<style title="</style>">`). The state is
  // htmlparser2's internal (pinned at 10.1.0, State.Text = 1); if it ever goes missing, the whole
  // document is parsed, which is only slower.
  const tokenizer = (parser as unknown as { tokenizer?: { state?: unknown } }).tokenizer;
  if (cut < html.length && (state.depth > 0 || tokenizer?.state !== TOKENIZER_TEXT_STATE)) {
    parser.write(html.slice(cut));
  }
  parser.end();
  return state.css.slice(0, MAX_STYLE_CHARS);
}

/** htmlparser2's Tokenizer State.Text (dist/esm/Tokenizer.js, 10.1.0). */
const TOKENIZER_TEXT_STATE = 1;

/** The reference: one parse of the whole document. Exported for the equivalence test. */
export function collectStyleTextFull(html: string): string {
  const state = { depth: 0, css: '' };
  styleParser(state).end(html);
  return state.css.slice(0, MAX_STYLE_CHARS);
}

function styleParser(state: { depth: number; css: string }): Parser {
  return new Parser(
    {
      onopentag(name) {
        if (name === 'style') state.depth++;
      },
      ontext(text) {
        if (state.depth > 0 && state.css.length < MAX_STYLE_CHARS) state.css += text;
      },
      onclosetag(name) {
        if (name === 'style' && state.depth > 0) {
          state.depth--;
          state.css += '\n';
        }
      },
    },
    { decodeEntities: true },
  );
}

/** lastIndexOf, ASCII case-insensitive, for a lower-case needle. */
function lastIndexOfCi(haystack: string, needle: string): number {
  const re = new RegExp(needle.replace(/[/]/g, '\\/'), 'gi');
  let last = -1;
  for (let m = re.exec(haystack); m; m = re.exec(haystack)) last = m.index;
  return last;
}

/**
 * Make a mail's HTML safe to render inside the SuperOffice web client. Pure.
 * Returns the sanitized HTML and notes on what was removed or truncated that an agent should know.
 */
export function sanitizeHtmlBody(
  html: string,
  inline: InlineImage[],
  opts: { body: BodyConfig; limits: Limits },
): SanitizeResult {
  const notes: string[] = [];
  let input = html;
  const truncated = input.length > opts.limits.maxHtmlChars;
  if (truncated) {
    input = input.slice(0, opts.limits.maxHtmlChars);
    notes.push(`HtmlBody truncated at ${opts.limits.maxHtmlChars} characters (limit maxHtmlChars)`);
  }
  const ctx: ImageContext = imageContext(opts.body.remoteImages, inline, opts.limits.maxInlineImageBytes);
  if (opts.body.inlineImages === 'attachments') ctx.keepCid = true;
  const images: ImageUrlCheck = (u) => imageSrc(u, ctx);

  let css = '';
  if (opts.body.styleBlocks === 'filter' && /<style/i.test(input)) {
    css = filterStyleBlock(collectStyleText(input), images).css;
  }

  let depth = 0;
  let tooDeep = false;
  let out = sanitizeHtml(input, {
    allowedTags: ALLOWED_TAG_LIST,
    // The final gate: transformAttributes already reduced attributes to these names.
    allowedAttributes: {
      '*': GLOBAL_ATTRIBUTES,
      ...TAG_ATTRIBUTES,
      a: [...(TAG_ATTRIBUTES.a ?? []), 'id'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: {
      img:
        opts.body.inlineImages === 'attachments'
          ? ['http', 'https', 'data', 'cid']
          : ['http', 'https', 'data'],
    },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'background', 'cite'],
    allowProtocolRelative: false,
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    // Style attributes were already filtered by css.ts; sanitize-html's own parser would only
    // re-serialise them.
    parseStyleAttributes: false,
    nestingLimit: MAX_HTML_NESTING,
    onOpenTag: () => {
      depth++;
      if (depth > MAX_HTML_NESTING) tooDeep = true;
    },
    onCloseTag: () => {
      depth--;
    },
    transformTags: {
      '*': (tagName, attribs) => ({
        tagName,
        attribs: transformAttributes(tagName.toLowerCase(), attribs, images, opts.body),
      }),
    },
  });
  if (tooDeep) notes.push(`HtmlBody nesting deeper than ${MAX_HTML_NESTING} elements was flattened`);
  if (truncated) out += `<p><em>${truncationNote('HTML', opts.limits.maxHtmlChars)}</em></p>`;
  if (css) out = `<div class="${SCOPE_CLASS}"><style>${css}</style>${out}</div>`;

  const s = ctx.stats;
  if (s.remoteBlocked)
    notes.push(`${s.remoteBlocked} remote image(s) blocked (remoteImages=${opts.body.remoteImages})`);
  if (s.inlineOverBudget)
    notes.push(
      `${s.inlineOverBudget} inline image(s) over maxInlineImageBytes (${opts.limits.maxInlineImageBytes}) shown as alt text`,
    );
  if (s.inlineMissing) notes.push(`${s.inlineMissing} cid: image reference(s) without a usable inline part`);
  return { html: out, notes, flattened: tooDeep };
}
