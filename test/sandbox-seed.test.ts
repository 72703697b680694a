import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageIdOf } from '../src/message-id.js';
import { parseMail } from '../src/parse/parse.js';
import {
  firstField,
  headerFields,
  rawHeaderBlock,
  readSeedMail,
  seedDate,
  seedMessageId,
} from '../src/sandbox/seed.js';
import { readSources } from '../src/sources/index.js';

const ROOT = resolve(import.meta.dirname, '..');

async function bytesOf(open: () => NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of open()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('the seed reads Message-Ids on its own', () => {
  it('unfolds continuation lines, takes the first Message-ID field in any case, trimmed', () => {
    const block = rawHeaderBlock(
      Buffer.from(
        'Subject: a\r\nmessage-id:\r\n   <folded@x>  \r\nMessage-ID: <second@x>\r\n\r\nMessage-ID: <body@x>\r\n',
      ),
    );
    expect(block).toBe('Subject: a\r\nmessage-id:\r\n   <folded@x>  \r\nMessage-ID: <second@x>\r\n');
    expect(seedMessageId(block)).toBe('<folded@x>');
    expect(headerFields('A: 1\n\tcontinued\nB:2\nnot a field\n')).toEqual([
      { name: 'A', value: ' 1\tcontinued' },
      { name: 'B', value: '2' },
    ]);
    expect(seedMessageId('Message-Id: <lf@x>\nSubject: s\n')).toBe('<lf@x>');
    // No field, or an empty one: the derived id, stable for the same header block.
    const none = 'From: a@x\r\nMessage-ID:  \r\n';
    expect(firstField(none, 'message-id')).toBeUndefined();
    expect(seedMessageId(none)).toMatch(/^<[0-9a-f]{32}@mail2ticket\.invalid>$/);
    expect(seedMessageId(none)).toBe(seedMessageId(none));
    expect(rawHeaderBlock(Buffer.from('X: only header\n'))).toBe('X: only header\n');
  });

  it('reads dates with their own offset', () => {
    expect(seedDate('Mon, 4 Mar 2024 10:00:00 +0100')).toBe('2024-03-04T10:00:00+01:00');
    expect(seedDate('4 Mar 2024 09:05 GMT')).toBe('2024-03-04T09:05:00+00:00');
    expect(seedDate('Tue, 14 Nov 2023 23:59:59 -0800 (PST)')).toBe('2023-11-14T23:59:59-08:00');
    expect(seedDate('yesterday')).toBeUndefined();
    expect(seedDate(undefined)).toBeUndefined();
  });

  it('agrees with mail2ticket’s parser on every fixture (derived ids included)', async () => {
    let count = 0;
    let derived = 0;
    for await (const input of readSources([join(ROOT, 'fixtures')])) {
      const bytes = await bytesOf(() => input.open());
      const seed = await readSeedMail(bytes);
      expect(seed.messageId, input.source).toBe(messageIdOf(await parseMail(bytes)));
      if (seed.messageId.endsWith('@mail2ticket.invalid>')) derived++;
      count++;
    }
    expect(count).toBeGreaterThan(300);
    expect(derived).toBeGreaterThan(0);
  }, 120_000);

  it('imports nothing from src/parse or src/thread, directly or through another module', () => {
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'/gm)) {
        walk(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
    };
    for (const f of ['seed.ts', 'server.ts', 'routes.ts', 'odata.ts', 'store.ts']) {
      walk(join(ROOT, 'src/sandbox', f));
    }
    const rel = [...seen].map((f) => f.slice(ROOT.length + 1));
    expect(rel).toContain('src/sandbox/seed.ts');
    expect(rel.filter((f) => /^src\/(parse|thread)\//.test(f))).toEqual([]);
  });
});
