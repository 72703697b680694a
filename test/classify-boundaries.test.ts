import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANY_RETURNED_MARKER,
  MARKER_LEAD,
  quotedHeaderOffset,
  RETURNED_MARKERS,
} from '../src/classify/plaintext/boundaries.js';
import { emlFiles } from './helpers/eml-files.js';

/** The first match of each marker, the earliest of them: what a loop over the markers finds. */
function earliestMarker(text: string): number {
  let first = text.length;
  for (const re of RETURNED_MARKERS) {
    const m = re.exec(text);
    if (m && m.index < first) first = m.index;
  }
  return first;
}

/**
 * returnedOriginalOffset finds the returned original with one pattern made of every marker; it must
 * find what the loop over the markers finds, on every fixture mail (the bounce corpus included) and
 * on text where several markers, indented ones and near-misses come in different orders.
 */
const ROOT = new URL('..', import.meta.url).pathname;

const CRAFTED = [
  'Sorry.\n\n--- Below this line is a copy of the message.\n\nReceived: x\n',
  'notice\n   ------ This is a copy of the message, including all the headers. ------\nFrom: a\n',
  'text\nOriginal message follows.\nmore\n----- Original message follows -----\n',
  'a\nFrom: x\nTo: y\nSubject: z\n\n----- Returned Message -----\n', // header block first
  'prose\n---- Original message ----\nthen\n-- The following is a copy of the message\n',
  'inline: -----Original message----- is not at a line start\nand none here either',
  'x\r\nMessage text follows:\r\nbody',
  'THE ORIGINAL MESSAGE WAS INCLUDED AS ATTACHMENT\nfoo',
  '',
];

describe('returnedOriginalOffset', () => {
  it('joins markers that all have the same flags and lead, so one pattern means what each did', () => {
    for (const re of RETURNED_MARKERS) {
      expect(re.flags, re.source).toBe('im');
      // the lead is written once in front of the alternation, so every marker must have it
      expect(re.source.startsWith(MARKER_LEAD), re.source).toBe(true);
    }
  });

  it('finds the same offset as the loop over every marker, on every fixture and crafted text', () => {
    const files = emlFiles(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(300);
    let found = 0;
    for (const text of [...files.map((f) => readFileSync(f, 'latin1')), ...CRAFTED]) {
      const each = earliestMarker(text);
      expect(ANY_RETURNED_MARKER.exec(text)?.index ?? text.length, text.slice(0, 200)).toBe(each);
      if (each < text.length) found++;
    }
    // most bounces carry a marker, so the comparison is not only "nothing found" on both sides
    expect(found).toBeGreaterThan(100);
  });
});

/** The header scan as it was written first: split into lines, test each line on its own. */
function quotedHeaderOffsetBySplit(body: string): number {
  const header =
    /^(received|return-path|message-id|from|to|cc|date|subject|mime-version|content-type|dkim-signature|delivered-to|reply-to|user-agent|x-[a-z0-9-]+)\s*:/i;
  const lines = body.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    if (header.test(lines[i]!)) {
      let count = 0;
      for (let j = i; j < lines.length && count < 3; j++) {
        if (header.test(lines[j]!)) count++;
        else if (!/^[ \t]+\S/.test(lines[j]!)) break;
      }
      if (count >= 3) return offset;
    }
    offset += lines[i]!.length + 1;
  }
  return body.length;
}

describe('quotedHeaderOffset', () => {
  const crafted = [
    'prose\nFrom: a\nTo: b\nSubject: c\n',
    'prose\nFrom: a\n  folded\nTo: b\n\tmore\nDate: d',
    'From: a\nTo: b\n\nSubject: c\n', // a blank line ends the block
    'received\n: not a header across the line end\nfrom\n:\nto\n:',
    'From\n : a\nTo\n : b\nCc\n : c', // a name whose colon is on the next, folded, line: no header
    'From \t : a\r\nTo\r: b\r\nCc: c\r\n', // spaces and CR before the colon stay on the line
    'toxic: no\nfromage: no\nx-: no\nX-Mailer: yes\nX-A: yes\nx-b-c : yes',
    'From: a\nTo: b', // two only, at the end
    'From: a\nTo: b\n',
    '\n\n\n',
    '',
  ];

  it('finds what splitting into lines finds, on every fixture mail and crafted text', () => {
    const files = emlFiles(join(ROOT, 'fixtures'));
    let found = 0;
    for (const text of [...files.map((f) => readFileSync(f, 'latin1')), ...crafted]) {
      const split = quotedHeaderOffsetBySplit(text);
      expect(quotedHeaderOffset(text), text.slice(0, 200)).toBe(split);
      if (split < text.length) found++;
    }
    expect(found).toBeGreaterThan(100);
  });

  it('finds what splitting finds on random text made of header-like pieces', () => {
    const pieces = [
      'From',
      'to',
      'X-a',
      'Received',
      'fro',
      ':',
      ' ',
      '\t',
      '\n',
      '\r\n',
      'x',
      ' :',
      '\u00a0',
    ];
    let seed = 15;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let n = 0; n < 3000; n++) {
      let text = '';
      for (let k = next() % 40; k > 0; k--) text += pieces[next() % pieces.length];
      expect(quotedHeaderOffset(text), JSON.stringify(text)).toBe(quotedHeaderOffsetBySplit(text));
    }
  });
});
