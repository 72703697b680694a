import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANY_RETURNED_MARKER, RETURNED_MARKERS } from '../src/classify/plaintext/boundaries.js';
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
  it('joins markers that all have the same flags, so one pattern means what each did', () => {
    for (const re of RETURNED_MARKERS) expect(re.flags, re.source).toBe('im');
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
