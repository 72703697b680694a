import { readFileSync } from 'node:fs';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { htmlBody } from '../bench/corpus-text.js';
import { Prng } from '../bench/prng.js';
import {
  BoundedLru,
  filterInlineStyle,
  filterInlineStylePostcss,
  filterInlineStyleUncached,
  filterStyleBlock,
  simpleDeclarations,
} from '../src/body/css.js';
import { collectStyleText, collectStyleTextFull } from '../src/body/sanitize.js';

/**
 * The sanitizer's fast paths (docs/benchmarks.md) must give exactly what the general paths give:
 * style text collected from a prefix of the document vs from one parse of all of it, and inline
 * declarations split without postcss vs read by postcss.
 */

const VECTORS = (
  JSON.parse(readFileSync(new URL('../fixtures/xss/vectors.json', import.meta.url), 'utf8')) as {
    vectors: { html: string }[];
  }
).vectors.map((v) => v.html);

const HTML_FRAGMENTS = [
  '<style>',
  '</style>',
  '<STYLE type="text/css">',
  '</STYLE >',
  '</style foo="x">',
  '.a{color:red}',
  '@media (max-width:600px){.b{width:100%}}',
  '<!--',
  '-->',
  '<script>',
  '</script>',
  '<textarea>',
  '</textarea>',
  '<svg>',
  '</svg>',
  '<math>',
  '<title>',
  '</title>',
  '<p title="',
  '<style title="</style>">',
  '">',
  "'",
  '"',
  '<',
  '>',
  '&amp;',
  '&lt;/style&gt;',
  '<![CDATA[',
  ']]>',
  '<p>',
  '</p>',
  '<div>',
  '</div>',
  'text',
  '\n',
  '<noscript>',
  '</noscript>',
  '<xmp>',
  '</xmp>',
  '<table><tr><td>',
  '</td></tr></table>',
  '<head>',
  '</head>',
  '<body>',
];

const STYLE_FRAGMENTS = [
  'color',
  'font-size',
  'margin',
  'background',
  'display',
  'FONT-Family',
  '-webkit-text-size-adjust',
  '_color',
  '*zoom',
  '--x',
  ':',
  ':',
  ';',
  ';',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  'red',
  '#fff',
  'rgb(1,2,3)',
  'rgba( 0, 0, 0, .5 )',
  '(',
  ')',
  '12px',
  '-5px',
  '/',
  '1.5',
  'Arial',
  ',',
  '!important',
  '! important',
  '"Segoe UI"',
  'url(x.png)',
  '\\',
  '@',
  '{',
  '}',
  '/*',
  '*/',
  'none',
  'expression(alert(1))',
  '0',
  '.5em',
  '%',
  'a',
];

function pick<T>(rng: Prng, list: T[]): T {
  return list[rng.int(0, list.length - 1)]!;
}

describe('collectStyleText (prefix parse)', () => {
  it('equals one parse of the whole document on crafted and generated documents', () => {
    const rng = new Prng('body-css-fast-html');
    const docs: string[] = [
      '',
      '<style>a{}</style>',
      '<style title="</style>">.x{color:red}',
      '<style>.x{color:red}</style><p title="</style>">y</p>',
      '<!-- <style> --> .x{color:red} </style>',
      '<style>.a{}</style><script>"<style>"</script>.b{}</style>',
      '<svg><style>.a{}</style></svg><style>.b{}</style>',
      '<STYLE>.a{}</STYLE ><p>rest</p>',
      '<style>.a{}</style><style>.b{}',
      '<style>.a{}</style><p><',
      ...VECTORS,
    ];
    for (let i = 0; i < 40; i++) docs.push(htmlBody(rng, 4096 + rng.int(0, 20000)));
    for (let i = 0; i < 4000; i++) {
      let doc = '';
      const n = rng.int(1, 24);
      for (let j = 0; j < n; j++) doc += pick(rng, HTML_FRAGMENTS);
      docs.push(doc);
    }
    for (const doc of docs) expect(collectStyleText(doc), doc).toBe(collectStyleTextFull(doc));
  });

  it('relies on an htmlparser2 internal that is still there (else it only gets slower)', () => {
    const parser = new Parser({});
    parser.write('<p>x</p>');
    expect((parser as unknown as { tokenizer: { state: number } }).tokenizer.state).toBe(1);
  });
});

describe('inline styles without postcss', () => {
  it('give what postcss gives, for every style the simple path accepts', () => {
    const rng = new Prng('body-css-fast-style');
    const styles = [
      'padding:8px;color:#333333;font-family:Arial, sans-serif',
      'color: rgb(1, 2, 3) ; margin :0 auto;;',
      'font:12px/1.5 Arial',
      'display:none;max-height:0',
      'margin-top:-5000px;margin-left:10px',
      'color:red;foo',
      ':red',
      'color:',
      '_color:red',
    ];
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const n = rng.int(1, 14);
      for (let j = 0; j < n; j++) s += pick(rng, STYLE_FRAGMENTS);
      styles.push(s);
    }
    // declaration-shaped: `prop: value value; ...`, with a fragment of noise now and then
    const props = STYLE_FRAGMENTS.slice(0, 10);
    const values = STYLE_FRAGMENTS.slice(18);
    for (let i = 0; i < 20000; i++) {
      let s = pick(rng, [' ', '', '\n']);
      const n = rng.int(1, 5);
      for (let j = 0; j < n; j++) {
        s += `${pick(rng, props)}${pick(rng, ['', ' ', '\t'])}:${pick(rng, ['', ' '])}`;
        const m = rng.int(0, 3);
        for (let k = 0; k < m; k++) s += pick(rng, values) + pick(rng, [' ', '', ',']);
        if (rng.int(0, 9) === 0) s += pick(rng, STYLE_FRAGMENTS);
        s += pick(rng, [';', ' ; ', ';;', '']);
      }
      styles.push(s);
    }
    let simple = 0;
    for (const s of styles) {
      if (simpleDeclarations(s) === null) continue;
      simple++;
      expect(filterInlineStyleUncached(s), s).toBe(filterInlineStylePostcss(s));
    }
    // the generator must exercise the fast path, not only the fallback
    expect(simple).toBeGreaterThan(1000);
  });

  it('leaves comments, escapes, quotes, url(), !important and IE hacks to postcss', () => {
    for (const s of [
      'color:red/*x*/',
      'color:\\72 ed',
      'font-family:"a"',
      'background:url(x)',
      'color:red!important',
      '*zoom:1',
      '_color:red',
      'a:b:c',
      'color:rgb(1;2)',
      '@import x',
      'color:red}',
    ]) {
      expect(simpleDeclarations(s), s).toBeNull();
    }
    expect(filterInlineStyle('COLOR: Red ; width : 10px')).toBe('color:Red;width:10px');
  });
});

describe('style block memo', () => {
  it('returns the same result from the memo, and a copy the caller may change', () => {
    const css = '.a{color:red} body{margin:0} @import url(x);';
    const first = filterStyleBlock(css);
    const again = filterStyleBlock(css);
    expect(again).toEqual(first);
    again.css = 'changed';
    expect(filterStyleBlock(css)).toEqual(first);
  });

  it('is bounded by entries and by characters, evicting the least recently used', () => {
    const lru = new BoundedLru<string>(2, 20);
    lru.set('a', '1');
    lru.set('b', '2');
    lru.get('a');
    lru.set('c', '3');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('1');
    lru.set('long-key-of-21-chars!', 'x');
    expect(lru.get('long-key-of-21-chars!')).toBeUndefined();
    lru.set('d', '0123456789abcdefghi');
    expect(lru.size).toBe(1);
  });
});
