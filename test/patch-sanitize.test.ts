import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type sanitizeHtmlType from 'sanitize-html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emlFiles } from './helpers/eml-files.js';
import { type PatchedAndOriginal, patchedAndOriginal } from './helpers/unpatched.js';
import { ALLOWED_TAGS, DROP_WITH_CONTENT, GLOBAL_ATTRIBUTES, TAG_ATTRIBUTES } from '../src/body/allowlist.js';
import { MAX_HTML_NESTING } from '../src/body/body-limits.js';

/**
 * The install-time patches of sanitize-html (scripts/patch-deps.mjs: the escape fast path, the
 * output flattened as it grows, shared frame methods with the frame text collected only for
 * exclusiveFilter) change its speed and memory, never its output: the patched library and the
 * original (this install's copy with every patch taken out again) give the same string for the
 * same input and options, on every fixture mail and on crafted documents long enough to be
 * flattened many times, with our options, the library's defaults, the escape modes (which swap the
 * output aside while they escape a tag) and an exclusiveFilter that reads the frames' text and
 * media children.
 */
type Sanitize = typeof sanitizeHtmlType;
const ROOT = new URL('..', import.meta.url).pathname;
let both: PatchedAndOriginal<Sanitize>;
let patched: Sanitize;
let original: Sanitize;

beforeAll(() => {
  both = patchedAndOriginal<Sanitize>('sanitize-html');
  expect(both.markers).toEqual([
    'mail2ticket patch: escape fast path',
    'mail2ticket patch: flatten',
    'mail2ticket patch: frames',
  ]);
  patched = both.patched;
  original = both.original;
});

afterAll(() => both?.remove());

/** Options like sanitizeHtmlBody's (src/body/sanitize.ts), without its attribute rewriting. */
const OURS: sanitizeHtmlType.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: { '*': GLOBAL_ATTRIBUTES, ...TAG_ATTRIBUTES },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowProtocolRelative: false,
  nonTextTags: [...DROP_WITH_CONTENT],
  disallowedTagsMode: 'discard',
  parseStyleAttributes: false,
  nestingLimit: MAX_HTML_NESTING,
  transformTags: { '*': (tagName, attribs) => ({ tagName, attribs: { ...attribs } }) },
};

const OPTION_SETS: [string, sanitizeHtmlType.IOptions | undefined][] = [
  ['ours', OURS],
  ['the defaults', undefined],
  ['escape', { disallowedTagsMode: 'escape' }],
  [
    'recursiveEscape',
    { disallowedTagsMode: 'recursiveEscape', allowedTags: ['p', 'b', 'table', 'tr', 'td'] },
  ],
  ['textFilter', { textFilter: (text: string, tag: string) => `${tag}:${text.length}` }],
  [
    'an exclusiveFilter reading text and media children',
    {
      allowedTags: [...ALLOWED_TAGS],
      exclusiveFilter: (frame) =>
        (frame.tag === 'a' && !frame.text.trim()) ||
        (frame.tag === 'td' && frame.mediaChildren.length > 0 && frame.text.length < 20),
    },
  ],
];

/** One table row of a newsletter: nested tables, inline styles, entities, links, images. */
function row(i: number): string {
  return `<tr><td style="padding:4px;color:#333" class="c${i % 7}"><table><tr><td><a href="https://example.com/${i}?a=1&amp;b=2">Item ${i} &amp; more &lt;here&gt;</a></td><td><img src="https://example.com/${i}.png" alt="pic ${i}"></td></tr></table><p>Text ${'lorem ipsum '.repeat(i % 13)}"quoted" &copy; ${i}</p><a name="a${i}"></a><td><img src="cid:x${i}"></td></td></tr>\n`;
}

/** Crafted documents, most of them over the 16 Ki characters at which flattening starts. */
const CRAFTED: [string, string][] = [
  [
    'a newsletter of 3,000 rows (about 1 MB)',
    `<html><head><style>p{margin:0}</style></head><body><table>${Array.from({ length: 3000 }, (_, i) => row(i)).join('')}</table></body></html>`,
  ],
  ['a newsletter of 40 rows', `<table>${Array.from({ length: 40 }, (_, i) => row(i)).join('')}</table>`],
  [
    'discarded elements with content between long runs',
    `${'<div><script>alert(1)</script><p>x &amp; y</p><style>.a{}</style><xmp><b></xmp><textarea>&lt;t&gt;</textarea><iframe src=x>in</iframe></div>'.repeat(2000)}`,
  ],
  [
    'unclosed and misnested tags',
    `${'<p><b><i>open <table><td>cell<tr><td>more</b></i></p><li>item<li>item'.repeat(1500)}`,
  ],
  [
    'nesting deeper than the limit',
    `${'<div>'.repeat(MAX_HTML_NESTING + 50)}deep${'</div>'.repeat(MAX_HTML_NESTING + 50)}${'<span>after</span>'.repeat(3000)}`,
  ],
  [
    'text outside any element, with every escaped character',
    `${'a < b > c & d " e \' f\u00a0\u2028 '.repeat(5000)}<p>end</p>`,
  ],
  ['an empty document', ''],
];

function expectSame(html: string, label: string): void {
  for (const [name, options] of OPTION_SETS) {
    expect(patched(html, options), `${label}, ${name}`).toBe(original(html, options));
  }
}

describe('the patched sanitize-html gives what the original gives', () => {
  it('on crafted documents long enough to be flattened many times', () => {
    for (const [label, html] of CRAFTED) expectSame(html, label);
    // the large newsletter really is long enough for the flattening to run many times
    expect(patched(CRAFTED[0]![1], OURS).length).toBeGreaterThan(1_000_000);
  });

  it('on every fixture mail, read as HTML', () => {
    const files = emlFiles(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(300);
    for (const file of files) expectSame(readFileSync(file, 'latin1'), file);
  }, 60_000);
});
