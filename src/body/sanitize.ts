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
import { filterInlineStyle, filterStyleBlock, NAME_PREFIX, SCOPE_CLASS } from './css.js';
import { type ImageContext, imageContext, imageSrc, linkHref } from './urls.js';

export interface SanitizeResult {
  html: string;
  notes: string[];
  /** True when nesting deeper than MAX_HTML_NESTING was flattened (the text of it is kept). */
  flattened: boolean;
}

const TEXT_ATTRIBUTES = new Set(['title', 'alt', 'summary', 'abbr']);
const NAME_TOKEN = /^[\w-]{1,100}$/;

/** Rewrite one element's attributes: keep only allowlisted names with valid values, judge URLs. */
function transformAttributes(
  tag: string,
  attribs: Record<string, string>,
  ctx: ImageContext,
  body: BodyConfig,
): Record<string, string> {
  const out: Record<string, string> = {};
  const perTag = TAG_ATTRIBUTES[tag] ?? [];
  const images = (u: string) => imageSrc(u, ctx);
  for (const [rawName, value] of Object.entries(attribs)) {
    const name = rawName.toLowerCase();
    if (!GLOBAL_ATTRIBUTES.includes(name) && !perTag.includes(name)) continue;
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

/** Text of every <style> element, read with the same parser family sanitize-html uses. */
function collectStyleText(html: string): string {
  let depth = 0;
  let css = '';
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'style') depth++;
      },
      ontext(text) {
        if (depth > 0 && css.length < MAX_STYLE_CHARS) css += text;
      },
      onclosetag(name) {
        if (name === 'style' && depth > 0) {
          depth--;
          css += '\n';
        }
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return css.slice(0, MAX_STYLE_CHARS);
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
  const ctx = imageContext(opts.body.remoteImages, inline, opts.limits.maxInlineImageBytes);

  let css = '';
  if (opts.body.styleBlocks === 'filter' && /<style/i.test(input)) {
    css = filterStyleBlock(collectStyleText(input), (u) => imageSrc(u, ctx)).css;
  }

  let depth = 0;
  let tooDeep = false;
  let out = sanitizeHtml(input, {
    allowedTags: ALLOWED_TAGS,
    // The final gate: transformAttributes already reduced attributes to these names.
    allowedAttributes: {
      '*': GLOBAL_ATTRIBUTES,
      ...TAG_ATTRIBUTES,
      a: [...(TAG_ATTRIBUTES.a ?? []), 'id'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
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
        attribs: transformAttributes(tagName.toLowerCase(), attribs, ctx, opts.body),
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
