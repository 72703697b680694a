import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { readSources } from '../src/sources/index.js';
import { fileInput } from '../src/sources/files.js';
import { openRef, WHOLE_READ_MAX_BYTES } from '../src/sources/open-ref.js';

/** The chunks a stream yields, to tell a whole read (one chunk) from a ReadStream (64 KiB chunks). */
async function chunks(stream: NodeJS.ReadableStream): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return out;
}

async function collect(paths: string[]): Promise<{ source: string; body: string }[]> {
  const out = [];
  for await (const input of readSources(paths))
    out.push({ source: input.source, body: await text(input.open()) });
  return out;
}

const mail = (n: number, extra = '') => `From: a@example.com\nSubject: m${n}\n\nbody ${n}\n${extra}`;

describe('replay sources', () => {
  it('reads mboxrd and mboxo, unquoting >From lines and dropping the separator line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-mbox-'));
    const box = join(dir, 'inbox');
    writeFileSync(
      box,
      [
        'From a@example.com Tue Mar  5 10:00:00 2024',
        mail(
          1,
          '>From the start\n>>From quoted twice\nFrom inside a line is fine? no: only after a blank line\n',
        ),
        'From b@example.com Tue Mar  5 10:01:00 2024',
        mail(2),
        'From c@example.com Tue Mar  5 10:02:00 2024',
        mail(3),
      ].join('\n'),
    );
    const got = await collect([box]);
    expect(got.map((g) => g.source)).toEqual([`${box}#1`, `${box}#2`, `${box}#3`]);
    expect(got[0]!.body).toBe(
      mail(
        1,
        'From the start\n>From quoted twice\nFrom inside a line is fine? no: only after a blank line\n',
      ),
    );
    expect(got[1]!.body).toBe(mail(2));
    expect(got[2]!.body).toBe(mail(3));
  });

  it('reads an mbox with CRLF line endings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-mbox-'));
    const box = join(dir, 'crlf.mbox');
    const m1 = mail(1).replace(/\n/g, '\r\n');
    const m2 = mail(2).replace(/\n/g, '\r\n');
    writeFileSync(
      box,
      `From x Tue Mar  5 10:00:00 2024\r\n${m1}\r\nFrom y Tue Mar  5 10:00:00 2024\r\n${m2}`,
    );
    const got = await collect([box]);
    expect(got.map((g) => g.body)).toEqual([m1, m2]);
  });

  it('reads an mbox with bare-CR line endings (classic Mac OS), unquoting >From lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-mbox-'));
    const box = join(dir, 'cr.mbox');
    const m1 = mail(1).replace(/\n/g, '\r');
    const m2 = `${mail(2)}>From the body\n`.replace(/\n/g, '\r');
    writeFileSync(box, `From x Tue Mar  5 10:00:00 2024\r${m1}\rFrom y Tue Mar  5 10:00:00 2024\r${m2}`);
    const got = await collect([box]);
    expect(got.map((g) => g.body)).toEqual([m1, m2.replace('>From the body', 'From the body')]);
  });

  it('recurses directories in sorted order and reads Maildirs (new/ then cur/)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-dir-'));
    mkdirSync(join(dir, 'b-sub'));
    mkdirSync(join(dir, 'maildir', 'cur'), { recursive: true });
    mkdirSync(join(dir, 'maildir', 'new'));
    mkdirSync(join(dir, 'maildir', 'tmp'));
    writeFileSync(join(dir, 'c.eml'), mail(3));
    writeFileSync(join(dir, 'a.eml'), mail(1));
    writeFileSync(join(dir, 'notes.txt'), 'not mail');
    writeFileSync(join(dir, 'b-sub', 'b.eml'), mail(2));
    writeFileSync(join(dir, 'maildir', 'cur', '1700000001.M1P1.host:2,S'), mail(5));
    writeFileSync(join(dir, 'maildir', 'new', '1700000002.M2P2.host'), mail(4));
    writeFileSync(join(dir, 'maildir', 'tmp', 'partial'), 'half-delivered');
    const got = await collect([dir]);
    expect(got.map((g) => g.body)).toEqual([mail(1), mail(2), mail(3), mail(4), mail(5)]);
    expect(got[0]!.source).toBe(join(dir, 'a.eml'));
  });

  describe('opening stored mail (openRef)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-open-'));

    it('reads a mail up to WHOLE_READ_MAX_BYTES as one chunk, and a bigger one as a stream, byte for byte', async () => {
      const small = Buffer.from(`${mail(1)}${'x'.repeat(200_000)}\r\n`);
      const atMax = Buffer.alloc(WHOLE_READ_MAX_BYTES, 0x41);
      const over = Buffer.alloc(WHOLE_READ_MAX_BYTES + 1, 0x42);
      const empty = Buffer.alloc(0);
      for (const [name, bytes, count] of [
        ['small.eml', small, 1],
        ['max.eml', atMax, 1],
        ['empty.eml', empty, 0],
      ] as const) {
        writeFileSync(join(dir, name), bytes);
        const got = await chunks(fileInput(join(dir, name)).open());
        expect(got.length, name).toBe(count);
        expect(Buffer.concat(got).equals(bytes), name).toBe(true);
      }
      writeFileSync(join(dir, 'over.eml'), over);
      const streamed = await chunks(fileInput(join(dir, 'over.eml')).open());
      expect(streamed.length).toBeGreaterThan(1);
      expect(Buffer.concat(streamed).equals(over)).toBe(true);
    });

    it('reads an mbox span whole when it is small and streams it when it is not, unquoting both', async () => {
      const body = '>From the body\n';
      const big = 'y'.repeat(WHOLE_READ_MAX_BYTES + 10);
      const box = join(dir, 'span.mbox');
      const head = 'From x Tue Mar  5 10:00:00 2024\n';
      writeFileSync(box, `${head}${body}${big}\n`);
      const start = head.length;
      const small = await chunks(openRef({ type: 'mbox', path: box, start, end: start + body.length }));
      expect(Buffer.concat(small).toString()).toBe('From the body\n');
      const whole = await chunks(
        openRef({ type: 'mbox', path: box, start, end: start + body.length + big.length + 1 }),
      );
      expect(Buffer.concat(whole).toString()).toBe(`From the body\n${big}\n`);
    });

    it('does not block the thread opening a FIFO among the files: it streams once a writer comes', async () => {
      const fifo = join(dir, 'fifo.eml');
      execFileSync('mkfifo', [fifo]);
      // Nothing writes to the FIFO yet, so a blocking open would never return: tried first in a
      // child process with a timeout, so that a regression fails here instead of hanging the run.
      const openRefJs = new URL('../dist/sources/open-ref.js', import.meta.url).href;
      const child = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(openRefJs)}); m.openRef({ type: 'file', path: ${JSON.stringify(fifo)} }); console.log('returned'); process.exit(0);`,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(child.stdout.trim()).toBe('returned');
      const stream = fileInput(fifo).open();
      const [got] = await Promise.all([chunks(stream), writeFile(fifo, mail(7))]);
      expect(Buffer.concat(got).toString()).toBe(mail(7));
    }, 30_000);

    it('reports a vanished file or a directory as the stream error a ReadStream gives', async () => {
      const gone = join(dir, 'gone.eml');
      writeFileSync(gone, mail(1));
      const input = fileInput(gone);
      rmSync(gone);
      await expect(chunks(input.open())).rejects.toThrow(`ENOENT: no such file or directory, open '${gone}'`);
      mkdirSync(join(dir, 'sub.eml'));
      await expect(chunks(fileInput(join(dir, 'sub.eml')).open())).rejects.toThrow(/EISDIR/);
    });
  });
});
