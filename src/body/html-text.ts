import { compile } from 'html-to-text';
import type { Limits } from '../limits.js';

const convert = compile({ wordwrap: false });

export function htmlToText(html: string, limits: Limits): { text: string; notes: string[] } {
  const notes: string[] = [];
  let input = html;
  if (input.length > limits.maxHtmlChars) {
    input = input.slice(0, limits.maxHtmlChars);
    notes.push(
      `HTML truncated to ${limits.maxHtmlChars} characters before text conversion (limit maxHtmlChars)`,
    );
  }
  return { text: convert(input), notes };
}
