import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OUT_BUFFER_MAX_BYTES, openOutFile, streamSink } from '../src/commands/ndjson-out.js';

/**
 * Records of every size the --out file's reused buffer meets: short ones after long ones (the buffer
 * is then larger than the line), lines whose UTF-8 is longer than their UTF-16 length (two- and
 * four-byte characters) on both sides of the point where the byte length must be counted, and a line
 * longer than the buffer may grow.
 */
function records(): string[] {
  const third = Math.floor(OUT_BUFFER_MAX_BYTES / 3);
  return [
    '{"a":1}',
    JSON.stringify({ text: 'å'.repeat(third - 20) }), // counted bound not needed: 3 bytes per unit
    '{"b":2}',
    JSON.stringify({ text: 'ø'.repeat(third + 100) }), // byte length counted: 2 bytes each, fits
    JSON.stringify({ text: '😀'.repeat(third) }), // 4 bytes per pair: past the buffer, its own
    JSON.stringify({ text: 'x'.repeat(OUT_BUFFER_MAX_BYTES + 5) }), // ASCII past the buffer
    '{"c":"ü"}',
    '',
  ];
}

describe('NDJSON sinks', () => {
  it('write each record and a newline to --out, byte for byte, whatever the buffer held before', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'm2t-out-')), 'out.ndjson');
    const sink = openOutFile(path);
    for (const r of records()) sink.write(r);
    sink.close();
    const expected = records()
      .map((r) => `${r}\n`)
      .join('');
    const written = readFileSync(path);
    expect(written.length).toBe(Buffer.byteLength(expected));
    expect(written.toString('utf8')).toBe(expected);
  });

  it('write the same lines to a stream (standard output) as to --out', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const sink = streamSink(stream);
    for (const r of records()) await sink.write(r);
    await sink.close();
    const path = join(mkdtempSync(join(tmpdir(), 'm2t-out-')), 'out.ndjson');
    const file = openOutFile(path);
    for (const r of records()) file.write(r);
    file.close();
    expect(Buffer.concat(chunks).equals(readFileSync(path))).toBe(true);
  });
});
