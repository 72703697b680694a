import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGenerated, writeFixtureMails } from '../scripts/fixture-mails/index.js';

/**
 * The committed fixtures/mail/NNN-*.eml files are what scripts/fixture-mails/ writes: regenerating
 * them into a temporary directory gives the same set of files with the same bytes. A change to a
 * source or to the shared encoder (scripts/lib/mime.ts) that moves a byte fails here, so the sources
 * stay an honest record of how each mail was made.
 */
const COMMITTED = fileURLToPath(new URL('../fixtures/mail/', import.meta.url));

let dir: string;
let written: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-fixture-sources-'));
  written = writeFixtureMails(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fixture mail sources', () => {
  it('write exactly the committed set of generated files, no more and no fewer', () => {
    const committed = readdirSync(COMMITTED).filter(isGenerated).sort();
    expect(readdirSync(dir).sort()).toEqual(written);
    expect(written).toEqual(committed);
    expect(written.length).toBe(57); // 48 synthetic mails, 8 corpus bounces, the corpus licence
  });

  it('write every file byte for byte as committed', () => {
    const differing = written.filter(
      (name) =>
        !existsSync(join(COMMITTED, name)) ||
        !readFileSync(join(dir, name)).equals(readFileSync(join(COMMITTED, name))),
    );
    expect(differing, 'run `node --import tsx scripts/make-fixture-mails.ts` and review the diff').toEqual(
      [],
    );
  });
});
