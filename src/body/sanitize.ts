import sanitizeHtml from 'sanitize-html';
import type { Limits } from '../limits.js';
import type { InlineImage } from '../types.js';
import type { BodyConfig } from './config-schema.js';

export interface SanitizeResult {
  html: string;
  notes: string[];
}

export function sanitizeHtmlBody(
  html: string,
  _inline: InlineImage[],
  opts: { body: BodyConfig; limits: Limits },
): SanitizeResult {
  const notes: string[] = [];
  let input = html;
  if (input.length > opts.limits.maxHtmlChars) {
    input = input.slice(0, opts.limits.maxHtmlChars);
    notes.push(`HtmlBody truncated to ${opts.limits.maxHtmlChars} characters (limit maxHtmlChars)`);
  }
  const out = sanitizeHtml(input, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'font', 'center']),
    allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'width', 'height'], '*': ['align'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
  });
  return { html: out, notes };
}
