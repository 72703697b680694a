import { compile, type FormatCallback } from 'html-to-text';
import type { Limits } from '../limits.js';
import { MAX_CHILD_NODES, MAX_HTML_NESTING, truncationNote } from './body-limits.js';
import { browserClean } from './urls.js';

/**
 * HTML -> plain text for Body when a mail has no text part. Faithful to what a reader sees:
 * no word wrapping (SuperOffice wraps), links as `text [url]`, lists and data tables kept readable,
 * layout tables flattened to blocks, hidden elements and preheader filler dropped.
 */

/** Only schemes a reader can use; anything else (javascript:, data:) prints the link text alone. */
function linkForText(href: string): string {
  const h = browserClean(href);
  if (/^(?:https?:|tel:)/i.test(h)) return h;
  // html-to-text has already removed "mailto:"; what is left is the address.
  if (/^[^\s:/]+@[^\s:/]+$/.test(h)) return h;
  return '';
}

type DomNode = {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
  data?: string;
};

function textLength(node: DomNode, budget: number): number {
  if (node.type === 'text') return node.data?.length ?? 0;
  let n = 0;
  for (const c of node.children ?? []) {
    n += textLength(c, budget - n);
    if (n > budget) break;
  }
  return n;
}

function hasDescendant(node: DomNode, names: Set<string>, depth = 0): boolean {
  if (depth > MAX_HTML_NESTING) return false;
  for (const c of node.children ?? []) {
    if (c.type === 'tag' && names.has(c.name ?? '')) return true;
    if (hasDescendant(c, names, depth + 1)) return true;
  }
  return false;
}

/**
 * A data table (prices, order lines, a signature's contact grid) is rendered as aligned columns;
 * a layout table (the 600px newsletter scaffold) as one block per cell, which reads far better than
 * padded columns of whole paragraphs.
 */
function isDataTable(elem: DomNode): boolean {
  const role = elem.attribs?.role?.toLowerCase();
  if (role === 'presentation' || role === 'none') return false;
  if (hasDescendant(elem, new Set(['table', 'p', 'div', 'img', 'ul', 'ol', 'h1', 'h2', 'h3']))) return false;
  if (!hasDescendant(elem, new Set(['th'])) && textLength(elem, 4000) > 3000) return false;
  return true;
}

interface Cell {
  text: string;
}

/** Columns padded to their widest line, separated by three spaces; no wrapping. */
function tableToString(rows: Cell[][]): string {
  const widths: number[] = [];
  const split = rows.map((r) => r.map((c) => c.text.split('\n')));
  for (const row of split)
    row.forEach((lines, i) => {
      widths[i] = Math.max(widths[i] ?? 0, ...lines.map((l) => l.length));
    });
  const out: string[] = [];
  for (const row of split) {
    const height = Math.max(1, ...row.map((l) => l.length));
    for (let k = 0; k < height; k++) {
      out.push(
        row
          .map((lines, i) => (lines[k] ?? '').padEnd(i === row.length - 1 ? 0 : (widths[i] ?? 0)))
          .join('   ')
          .trimEnd(),
      );
    }
  }
  return out.join('\n');
}

const mailTable: FormatCallback = (elem, walk, builder) => {
  const node = elem as unknown as DomNode;
  if (!isDataTable(node)) {
    builder.openBlock({ leadingLineBreaks: 1 });
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 1 });
    return;
  }
  builder.openTable();
  const walkTable = (n: DomNode) => {
    if (n.type !== 'tag') return;
    if (n.name === 'thead' || n.name === 'tbody' || n.name === 'tfoot') {
      n.children?.forEach(walkTable);
    } else if (n.name === 'tr') {
      builder.openTableRow();
      for (const cell of n.children ?? []) {
        if (cell.type !== 'tag' || (cell.name !== 'td' && cell.name !== 'th')) continue;
        builder.openTableCell({ maxColumnWidth: Number.MAX_SAFE_INTEGER });
        // biome-ignore lint/suspicious/noExplicitAny: html-to-text's DomNode type is not exported
        walk((cell.children ?? []) as any, builder);
        builder.closeTableCell({ colspan: 1, rowspan: 1 });
      }
      builder.closeTableRow();
    }
  };
  node.children?.forEach(walkTable);
  builder.closeTable({
    tableToString: (rows) => tableToString(rows as unknown as Cell[][]),
    leadingLineBreaks: 1,
    trailingLineBreaks: 1,
  });
};

/** Style fragments that hide an element from the reader (preheaders, Outlook-only copies, tracking). */
const HIDDEN_STYLES = [
  'display:none',
  'display: none',
  'display :none',
  'visibility:hidden',
  'visibility: hidden',
  'mso-hide:all',
  'mso-hide: all',
  'max-height:0',
  'max-height: 0',
  'font-size:0',
  'font-size: 0',
  'opacity:0',
  'opacity: 0',
];

const block = { leadingLineBreaks: 1, trailingLineBreaks: 1 };

/** Compiled once at module load and reused for every mail (html-to-text compiles selectors). */
const convert = compile({
  wordwrap: false,
  decodeEntities: true,
  formatters: { mailTable },
  limits: {
    maxDepth: MAX_HTML_NESTING,
    maxChildNodes: MAX_CHILD_NODES,
    ellipsis: '...',
    // Truncation is done (and noted) by the caller; this only keeps html-to-text's own cap out of the way.
    maxInputLength: 512 * 1024 * 1024,
  },
  selectors: [
    {
      selector: 'a',
      options: { linkBrackets: ['[', ']'], hideLinkHrefIfSameAsText: true, pathRewrite: linkForText },
    },
    { selector: 'img', options: { linkBrackets: false, pathRewrite: () => '' } },
    { selector: 'table', format: 'mailTable' },
    { selector: 'tr', format: 'block', options: block },
    { selector: 'td', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'th', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'hr', options: { length: 20 } },
    ...['head', 'title', 'style', 'script', 'noscript', 'template', 'svg', 'math', '[hidden]'].map(
      (selector) => ({
        selector,
        format: 'skip',
      }),
    ),
    ...HIDDEN_STYLES.map((s) => ({ selector: `[style*="${s}" i]`, format: 'skip' })),
  ],
});

/** Characters that render as nothing; newsletters pad preheaders with hundreds of them. */
const INVISIBLE =
  /\u034f|[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

/** Tidy the converter's output: no invisible filler, no trailing spaces, at most one blank line. */
function tidy(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(/[ \t\u00a0\u2007]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function htmlToText(html: string, limits: Limits): { text: string; notes: string[] } {
  const notes: string[] = [];
  let input = html;
  const truncated = input.length > limits.maxHtmlChars;
  if (truncated) {
    input = input.slice(0, limits.maxHtmlChars);
    notes.push(
      `HTML truncated at ${limits.maxHtmlChars} characters before conversion to text (limit maxHtmlChars)`,
    );
  }
  let text = tidy(convert(input));
  if (truncated) text += `\n\n${truncationNote('HTML', limits.maxHtmlChars)}`;
  return { text, notes };
}
