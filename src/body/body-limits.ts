/**
 * Body-specific structural limits (sizes come from src/limits.ts: maxHtmlChars, maxBodyChars,
 * maxInlineImageBytes). These bound the work done on pathological HTML: a 5,000-deep nesting bomb,
 * 100,000 links, or a 10 MB single line must cost bounded time and produce bounded output.
 */

/** Deepest element nesting kept by the sanitizer and walked by the text converter; deeper
 * elements are flattened (their text kept, their tags dropped). Real mail stays below ~60. */
export const MAX_HTML_NESTING = 200;
/** Most children per element the text converter walks (html-to-text `maxChildNodes`). Set above
 * what maxHtmlChars allows in practice (100,000 links in one paragraph must all be kept): input
 * size is the real bound, this only guards html-to-text's own loops. */
export const MAX_CHILD_NODES = 1_000_000;
/** Longest total <style> text filtered per mail; the rest is ignored (newsletters use < 100 kB). */
export const MAX_STYLE_CHARS = 512 * 1024;

/** The visible line appended to a truncated body, so an agent knows text is missing. */
export function truncationNote(what: 'HTML' | 'text', limit: number): string {
  return `[mail2ticket: ${what} body truncated at ${limit} characters; the full mail is in the original]`;
}
