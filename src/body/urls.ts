import type { InlineImage } from '../types.js';
import type { BodyConfig } from './config-schema.js';
import { NAME_PREFIX } from './css.js';

/**
 * URL decisions for links and images. URLs are judged the way a browser reads them (WHATWG URL
 * parsing after the browser's own clean-up), never by pattern-matching the raw attribute text:
 * `java&#x09;script:`, `JaVaScRiPt:`, a leading NUL or space, and tab/newline inside the scheme all
 * reach us entity-decoded from htmlparser2 and are normalised here exactly as a browser would.
 *
 * Only absolute URLs survive. A mail has no base URL of its own, so a relative URL would resolve
 * against the SuperOffice page showing it: `<img src="/api/v1/...">` would be a same-origin,
 * cookie-carrying GET issued by merely viewing the ticket (CSRF), and a relative link would
 * navigate inside the host application.
 */

/** Browser URL clean-up (WHATWG URL "basic URL parser"): strip leading/trailing C0 controls and
 * spaces, remove every tab and newline. */
export function browserClean(raw: string): string {
  return raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

function absolute(raw: string): URL | null {
  try {
    return new URL(browserClean(raw));
  } catch {
    return null;
  }
}

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** The href to keep on a link, or null to drop it. In-page anchors are rewritten to the prefixed ids. */
export function linkHref(raw: string): string | null {
  const s = browserClean(raw);
  if (/^#[\w\-.:]{1,200}$/.test(s)) return `#${NAME_PREFIX}${s.slice(1)}`;
  const url = absolute(s);
  if (!url || !LINK_SCHEMES.has(url.protocol)) return null;
  return url.href;
}

/** data: images that browsers render as inert pixels. SVG is excluded: as a document it can script. */
const DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|bmp);base64,[A-Za-z0-9+/=\s]+$/i;
const INLINE_IMAGE_TYPE = /^image\/(?:png|gif|jpe?g|webp|bmp)$/i;

export interface ImageContext {
  policy: BodyConfig['remoteImages'];
  inline: Map<string, InlineImage>;
  /** Bytes of inline images still allowed as data: URIs in this mail. */
  budget: number;
  embedded: Set<string>;
  /** body.inlineImages `attachments`: a cid: reference to a known inline part stays as it is. */
  keepCid?: boolean;
  stats: { remoteBlocked: number; inlineEmbedded: number; inlineOverBudget: number; inlineMissing: number };
}

export function imageContext(policy: BodyConfig['remoteImages'], inline: InlineImage[], budget: number) {
  const map = new Map<string, InlineImage>();
  for (const img of inline) map.set(img.contentId.replace(/^<|>$/g, '').toLowerCase(), img);
  return {
    policy,
    inline: map,
    budget,
    embedded: new Set<string>(),
    stats: { remoteBlocked: 0, inlineEmbedded: 0, inlineOverBudget: 0, inlineMissing: 0 },
  } satisfies ImageContext;
}

/** The src to keep on an image (or url() in CSS), or null to drop it. Updates the context's stats. */
export function imageSrc(raw: string, ctx: ImageContext): string | null {
  const s = browserClean(raw);
  if (/^cid:/i.test(s)) return inlineSrc(s, ctx);
  if (/^data:/i.test(s)) return DATA_IMAGE.test(s) ? s.replace(/\s+/g, '') : null;
  const url = absolute(s);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  if (ctx.policy === 'block' || (ctx.policy === 'https-only' && url.protocol !== 'https:')) {
    ctx.stats.remoteBlocked++;
    return null;
  }
  return url.href;
}

function inlineSrc(s: string, ctx: ImageContext): string | null {
  let id = s.slice(4);
  try {
    id = decodeURIComponent(id);
  } catch {
    // keep the raw id: a broken %-escape is the sender's typo, not an attack
  }
  const img = ctx.inline.get(id.replace(/^<|>$/g, '').toLowerCase());
  if (img && ctx.keepCid) return `cid:${encodeURIComponent(id.replace(/^<|>$/g, '')).replace(/%40/g, '@')}`;
  if (!img?.base64 || !INLINE_IMAGE_TYPE.test(img.contentType)) {
    if (img && !img.base64) ctx.stats.inlineOverBudget++;
    else ctx.stats.inlineMissing++;
    return null;
  }
  const key = img.contentId;
  if (!ctx.embedded.has(key)) {
    if (img.size > ctx.budget) {
      ctx.stats.inlineOverBudget++;
      return null;
    }
    ctx.budget -= img.size;
    ctx.embedded.add(key);
    ctx.stats.inlineEmbedded++;
  }
  return `data:${img.contentType.toLowerCase()};base64,${img.base64.replace(/\s+/g, '')}`;
}
