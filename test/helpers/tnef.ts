/**
 * TNEF for tests: a small writer ([MS-OXTNEF] 2.1.3, the layout src/attachments/tnef.ts reads) to
 * build streams no sample covers, and Debian's `tnef` tool (package tnef, verdammelt/tnef) as the
 * independent reader the samples are checked against.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { RealPart } from './real-parts.js';

export const DEBIAN_TNEF: RealPart = { name: 'tnef', path: '/usr/bin/tnef', install: 'apt-get install tnef' };

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

/** One attribute: level, id (with its type in the high 16 bits), length, data, checksum. */
export function attribute(level: 1 | 2, id: number, data: Buffer, checksum?: number): Buffer {
  let sum = 0;
  for (const byte of data) sum += byte;
  return Buffer.concat([
    Buffer.from([level]),
    u32(id),
    u32(data.length),
    data,
    u16(checksum ?? sum & 0xffff),
  ]);
}

/** A MAPI property value as it sits in a property list. */
export type Prop =
  | { id: number; unicode: string }
  | { id: number; string8: Buffer }
  | { id: number; long: number }
  | { id: number; multiLong: number[] }
  | { id: number; multiUnicode: string[] }
  | { id: number; binary: Buffer; object?: boolean };

/** A named property (MS-OXTNEF 2.1.3.5): an id from 0x8000, a GUID and a string name. */
export interface Named {
  name: string;
  long: number;
}

export function propList(props: Prop[], named: Named[] = []): Buffer {
  const parts: Buffer[] = [u32(props.length + named.length)];
  const counted = (values: Buffer[]) => [
    u32(values.length),
    ...values.flatMap((v) => [u32(v.length), pad4(v)]),
  ];
  for (const p of props) {
    if ('unicode' in p)
      parts.push(u16(0x001f), u16(p.id), ...counted([Buffer.from(`${p.unicode}\0`, 'utf16le')]));
    else if ('string8' in p)
      parts.push(u16(0x001e), u16(p.id), ...counted([Buffer.concat([p.string8, Buffer.from([0])])]));
    else if ('long' in p) parts.push(u16(0x0003), u16(p.id), u32(p.long));
    else if ('multiLong' in p)
      parts.push(u16(0x1003), u16(p.id), u32(p.multiLong.length), ...p.multiLong.map(u32));
    else if ('multiUnicode' in p)
      parts.push(
        u16(0x101f),
        u16(p.id),
        ...counted(p.multiUnicode.map((s) => Buffer.from(`${s}\0`, 'utf16le'))),
      );
    else parts.push(u16(p.object ? 0x000d : 0x0102), u16(p.id), ...counted([p.binary]));
  }
  for (const [i, n] of named.entries()) {
    const name = Buffer.from(`${n.name}\0`, 'utf16le');
    // PS_PUBLIC_STRINGS {00020329-0000-0000-C000-000000000046}, as Outlook writes it
    const guid = Buffer.from('2903020000000000c000000000000046', 'hex');
    parts.push(u16(0x0003), u16(0x8000 + i), guid, u32(1), u32(name.length), pad4(name), u32(n.long));
  }
  return Buffer.concat(parts);
}

export interface TnefAttachment {
  /** attAttachTitle, in the stream's code page. */
  title?: string;
  data?: Buffer;
  props?: Prop[];
  named?: Named[];
}

export interface TnefSpec {
  /**
   * attOemCodepage (1252 by default); titles and PT_STRING8 names are encoded in it. null: no
   * attOemCodepage, strings in code page 437 (what MAPI assumes then).
   */
  codepage?: number | null;
  attachments: TnefAttachment[];
  /** An attBody (plain text body) before the attachments. */
  body?: string;
}

/** PR_ATTACH_LONG_FILENAME and friends ([MS-OXPROPS]). */
export const PR = {
  DISPLAY_NAME: 0x3001,
  ATTACH_DATA_OBJ: 0x3701,
  ATTACH_METHOD: 0x3705,
  ATTACH_LONG_FILENAME: 0x3707,
  ATTACH_MIME_TAG: 0x370e,
  ATTACH_CONTENT_ID: 0x3712,
} as const;

/** A TNEF stream as Outlook lays one out: version, code page, class, then each attachment. */
export function buildTnef(spec: TnefSpec): Buffer {
  const cp = spec.codepage === null ? 437 : (spec.codepage ?? 1252);
  const enc = (s: string) => iconv.encode(s, `cp${cp}`);
  const out: Buffer[] = [u32(0x223e9f78), u16(0x1234)];
  out.push(attribute(1, 0x00089006, u32(0x00010000))); // attTnefVersion
  if (spec.codepage !== null) out.push(attribute(1, 0x00069007, Buffer.concat([u32(cp), u32(0)]))); // attOemCodepage
  out.push(attribute(1, 0x00078008, Buffer.from('IPM.Microsoft Mail.Note\0'))); // attMessageClass
  if (spec.body !== undefined) out.push(attribute(1, 0x0002800c, enc(spec.body))); // attBody
  for (const a of spec.attachments) {
    // attAttachRendData: type 1 (file), position -1, no size, flags 0
    const rend = Buffer.concat([u16(1), u32(0xffffffff), u16(0), u16(0), u32(0)]);
    out.push(attribute(2, 0x00069002, rend));
    if (a.title !== undefined)
      out.push(attribute(2, 0x00018010, Buffer.concat([enc(a.title), Buffer.from([0])])));
    if (a.data) out.push(attribute(2, 0x0006800f, a.data));
    out.push(
      attribute(2, 0x00069005, propList([{ id: PR.ATTACH_METHOD, long: 1 }, ...(a.props ?? [])], a.named)),
    );
  }
  return Buffer.concat(out);
}

export interface ExtractedFile {
  /** The name as Debian's tool wrote it: its bytes read in `nameEncoding`. */
  name: string;
  sha256: string;
}

/**
 * What Debian's `tnef` extracts from `data`: each file's name and sha256, sorted by name, and its
 * exit status. No --save-body: the body is not a file here (`--save-body=no` would save it as
 * "no.rtf"). Names are raw bytes on disk (the tool does not convert PT_STRING8 names); they are
 * read in the stream's code page.
 */
export function debianTnef(
  data: Buffer,
  nameEncoding = 'utf8',
): { files: ExtractedFile[]; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'm2t-tnef-'));
  try {
    const input = join(dir, 'in.tnef');
    const outDir = join(dir, 'out');
    writeFileSync(input, data);
    mkdirSync(outDir);
    const run = spawnSync(DEBIAN_TNEF.path, ['-C', outDir, '--overwrite', '-f', input], { stdio: 'ignore' });
    const files = readdirSync(outDir, { encoding: 'buffer' })
      .map((raw) => ({
        name: iconv.decode(raw, nameEncoding),
        sha256: createHash('sha256')
          .update(readFileSync(Buffer.concat([Buffer.from(`${outDir}/`), raw])))
          .digest('hex'),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { files, status: run.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
