import { decodeBytes } from '../body/charset.js';
import { typeFromName } from './names.js';

/**
 * A reader for TNEF (`winmail.dat`, application/ms-tnef), written from [MS-OXTNEF] ("Transport
 * Neutral Encapsulation Format (TNEF) Data Algorithm"), cross-checked against Debian's `tnef`
 * 1.4.18 (test/attachments-tnef.test.ts). Outlook and Exchange wrap a message's attachments in it;
 * other clients show one opaque winmail.dat. Pure: bytes in, files out, no I/O.
 *
 * Layout (MS-OXTNEF 2.1.3 "Processing Rules"): u32 LE signature 0x223E9F78, u16 legacy key, then attributes until
 * the end: u8 level (1 message, 2 attachment), u32 LE attribute id (low 16 bits the id, high 16
 * its type), u32 LE length, the data, u16 LE checksum (sum of the data bytes mod 65536). Each
 * attachment MUST start with attAttachRendData (2.1.3.3.15); its file is attAttachData, named by attAttachTitle
 * (8.3) or, in attAttachment's MAPI property list, PR_ATTACH_LONG_FILENAME.
 *
 * Not read: the message body (attBody, PR_RTF_COMPRESSED, PR_BODY_HTML in attMsgProps): the mail
 * carries its own text/plain or text/html beside the winmail.dat, which is what the ticket shows.
 * Embedded messages and OLE objects whose content is a MAPI object (PR_ATTACH_DATA_OBJ of type
 * PT_OBJECT) are not unpacked: they are listed in `skipped` and the caller keeps the TNEF whole.
 *
 * Hostile input: every length is checked against the bytes that remain before it is used (a
 * subarray, never an allocation sized by the input), every count against the smallest size its
 * items can take, and the walk only moves forward, so it ends; the first inconsistency stops the
 * read with `error` and the files read so far.
 */

/** The stream's first four bytes, little-endian (MS-OXTNEF 2.1.3 and its sample message, 3.1). */
export const TNEF_SIGNATURE = 0x223e9f78;

/** Most files taken from one TNEF; more is not a mail client's winmail.dat (the caller keeps it whole). */
export const MAX_TNEF_FILES = 100;

/** level byte + attribute id + length + checksum: the smallest attribute (MS-OXTNEF 2.1.3.3). */
const ATTRIBUTE_OVERHEAD = 1 + 4 + 4 + 2;

/** The code page of PT_STRING8 values in a stream without attOemCodepage (see string8). */
const DEFAULT_CODEPAGE = 437;

/** attribute levels (MS-OXTNEF 2.1.3.3 AttrLevel) */
const LVL_MESSAGE = 0x01;
const LVL_ATTACHMENT = 0x02;

/** Attribute ids, low 16 bits (MS-OXTNEF 2.1.3.3; the high 16 bits are the attribute's type). */
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACHMENT = 0x9005;
const ATT_OEM_CODEPAGE = 0x9007;

/** MAPI property ids read from attAttachment ([MS-OXPROPS]). */
const PR_DISPLAY_NAME = 0x3001;
const PR_ATTACH_DATA_OBJ = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_ATTACH_CONTENT_ID = 0x3712;

/** MAPI property types ([MS-OXCDATA] 2.11.1). */
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
/** PtypServerId ([MS-OXCDATA] 2.11.1): counted and length-prefixed like PT_BINARY. */
const PT_SERVERID = 0x00fb;
const MV_FLAG = 0x1000;
/** Named properties: ids from 0x8000 carry a GUID and a name (MS-OXTNEF 2.1.3.5). */
const NAMED_PROPERTY_MIN = 0x8000;

/**
 * Bytes one value of a fixed-size MAPI type takes in a TNEF property list: PT_SHORT and
 * PT_BOOLEAN are padded to 4 (MS-OXTNEF 2.1.3.4, "padded to a multiple of 4 bytes").
 */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [0x0002, 4], // PT_SHORT
  [0x0003, 4], // PT_LONG
  [0x0004, 4], // PT_FLOAT
  [0x0005, 8], // PT_DOUBLE
  [0x0006, 8], // PT_CURRENCY
  [0x0007, 8], // PT_APPTIME
  [0x000a, 4], // PT_ERROR
  [0x000b, 4], // PT_BOOLEAN
  [0x0014, 8], // PT_I8
  [0x0040, 8], // PT_SYSTIME
  [0x0048, 16], // PT_CLSID
]);
const VARIABLE_TYPES: ReadonlySet<number> = new Set([
  PT_STRING8,
  PT_UNICODE,
  PT_BINARY,
  PT_OBJECT,
  PT_SERVERID,
]);

export interface TnefFile {
  /** The name the sender's client gave (long name where there is one); not yet made safe. */
  name?: string;
  /** From PR_ATTACH_MIME_TAG, else from the name's extension, else application/octet-stream. */
  contentType: string;
  contentId?: string;
  /** A view into the input (no copy). */
  data: Buffer;
}

export interface TnefResult {
  files: TnefFile[];
  /** Attachments present but not unpacked (embedded messages, no content), one line each. */
  skipped: string[];
  /** Set when the input is not TNEF, is truncated or corrupt, or holds too many files. */
  error?: string;
}

/** Does this part hold TNEF? By type, or by the name Outlook gives it (some gateways relabel the type). */
export function isTnefPart(contentType: string, filename: string | undefined): boolean {
  const type = contentType.toLowerCase();
  if (type === 'application/ms-tnef' || type === 'application/vnd.ms-tnef') return true;
  return (filename ?? '').trim().toLowerCase() === 'winmail.dat';
}

/** A malformed stream: caught in readTnef, never thrown out of it. */
class TnefError extends Error {}

/** One attachment while its attributes arrive. */
interface Pending {
  index: number;
  title?: string;
  props?: AttachProps;
  data?: Buffer;
}

interface AttachProps {
  longName?: string;
  shortName?: string;
  displayName?: string;
  mimeTag?: string;
  contentId?: string;
  /** PR_ATTACH_DATA_OBJ: its type and first value. */
  dataObj?: { type: number; value: Buffer };
}

/** Read the files of a TNEF stream. Never throws; stops at the first inconsistency. */
export function readTnef(buf: Buffer): TnefResult {
  const result: TnefResult = { files: [], skipped: [] };
  if (buf.length < 6 || buf.readUInt32LE(0) !== TNEF_SIGNATURE) {
    result.error = 'not TNEF (no 0x223E9F78 signature)';
    return result;
  }
  let codepage: number | undefined;
  let current: Pending | undefined;
  let count = 0;
  const finish = (p: Pending) => {
    const file = toFile(p, result.skipped);
    if (file) result.files.push(file);
  };
  let pos = 6; // signature, legacy key
  try {
    // A few bytes after the last attribute (a CRLF some gateways append) are not an attribute:
    // Debian's tnef ignores fewer than an attribute's worth too (tnef.c, data_left).
    while (buf.length - pos >= ATTRIBUTE_OVERHEAD) {
      const level = buf[pos]!;
      const id = buf.readUInt32LE(pos + 1);
      const length = buf.readUInt32LE(pos + 5);
      const at = pos;
      pos += 9;
      if (length > buf.length - pos - 2) {
        throw new TnefError(
          `attribute 0x${hex(id)} at byte ${at} claims ${length} bytes, ${Math.max(0, buf.length - pos - 2)} remain (truncated)`,
        );
      }
      const data = buf.subarray(pos, pos + length);
      pos += length;
      const checksum = buf.readUInt16LE(pos);
      pos += 2;
      if (checksum !== sum16(data))
        throw new TnefError(`attribute 0x${hex(id)} at byte ${at}: checksum mismatch`);
      if (level !== LVL_MESSAGE && level !== LVL_ATTACHMENT) {
        throw new TnefError(`attribute 0x${hex(id)} at byte ${at}: invalid level ${level}`);
      }
      const name = id & 0xffff;
      if (level === LVL_MESSAGE) {
        if (name === ATT_OEM_CODEPAGE && data.length >= 4) codepage = data.readUInt32LE(0);
        continue;
      }
      if (name === ATT_ATTACH_REND_DATA) {
        if (current) finish(current);
        if (++count > MAX_TNEF_FILES) throw new TnefError(`more than ${MAX_TNEF_FILES} attachments`);
        current = { index: count };
        continue;
      }
      if (!current) throw new TnefError(`attachment attribute 0x${hex(id)} before attAttachRendData`);
      if (name === ATT_ATTACH_TITLE) current.title = string8(data, codepage);
      else if (name === ATT_ATTACH_DATA) current.data = data;
      else if (name === ATT_ATTACHMENT) current.props = readAttachProps(data, codepage);
    }
    if (current) finish(current);
  } catch (err) {
    if (!(err instanceof TnefError)) throw err;
    result.error = err.message;
  }
  return result;
}

/** The file of one attachment, or a line in `skipped` when it has none we can give. */
function toFile(p: Pending, skipped: string[]): TnefFile | undefined {
  const props = p.props ?? {};
  const name = props.longName || p.title || props.shortName || props.displayName || undefined;
  const label = name ? JSON.stringify(name) : `#${p.index}`;
  let data = p.data;
  // Debian's tnef (file.c) lets PR_ATTACH_DATA_OBJ replace attAttachData; a binary one is the file.
  if (props.dataObj?.type === PT_BINARY) data = props.dataObj.value;
  else if (props.dataObj) {
    skipped.push(`TNEF attachment ${label} is an embedded message or OLE object (not unpacked)`);
    return undefined;
  }
  if (!data) {
    skipped.push(`TNEF attachment ${label} has no content`);
    return undefined;
  }
  const mime = props.mimeTag?.trim().toLowerCase();
  const contentType =
    mime && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mime) ? mime : typeFromName(name ?? '');
  const file: TnefFile = { contentType, data };
  if (name) file.name = name;
  if (props.contentId) file.contentId = props.contentId;
  return file;
}

/** The attachment properties this reader uses, from a MAPI property list (MS-OXTNEF 2.1.3.4). */
function readAttachProps(buf: Buffer, codepage: number | undefined): AttachProps {
  const c = new Cursor(buf);
  const props: AttachProps = {};
  const count = c.u32();
  // every property takes at least 8 bytes (type, id, one 4-byte value)
  if (count > c.remaining / 8)
    throw new TnefError(`attAttachment claims ${count} properties in ${buf.length} bytes`);
  for (let i = 0; i < count; i++) {
    const rawType = c.u16();
    const id = c.u16();
    if (id >= NAMED_PROPERTY_MIN) {
      c.skip(16); // property set GUID
      const kind = c.u32();
      if (kind === 0)
        c.skip(4); // numeric name (LID)
      else if (kind === 1)
        c.skip(pad4(c.u32())); // UTF-16LE string name, padded
      else throw new TnefError(`named property 0x${hex(id)}: unknown name kind ${kind}`);
    }
    const type = rawType & ~MV_FLAG;
    const multi = (rawType & MV_FLAG) !== 0;
    const values: Buffer[] = [];
    if (VARIABLE_TYPES.has(type)) {
      // counted even when single-valued (MS-OXTNEF 2.1.3.4, "ValueCount")
      const n = c.u32();
      if (n > c.remaining / 4) throw new TnefError(`property 0x${hex(id)} claims ${n} values`);
      for (let v = 0; v < n; v++) {
        const len = c.u32();
        const value = c.take(len);
        c.skip(pad4(len) - len);
        if (v === 0) values.push(value); // the first value names the file; the rest are only skipped
      }
    } else {
      const size = FIXED_SIZE.get(type);
      if (size === undefined)
        throw new TnefError(`property 0x${hex(id)}: unknown MAPI type 0x${hex(rawType)}`);
      const n = multi ? c.u32() : 1;
      if (n > c.remaining / size) throw new TnefError(`property 0x${hex(id)} claims ${n} values`);
      c.skip(n * size);
    }
    const first = values[0];
    if (first === undefined || id >= NAMED_PROPERTY_MIN) continue;
    if (id === PR_ATTACH_DATA_OBJ) {
      props.dataObj = { type, value: first };
      continue;
    }
    if (type !== PT_STRING8 && type !== PT_UNICODE) continue;
    const text = type === PT_UNICODE ? unicode(first) : string8(first, codepage);
    if (id === PR_ATTACH_LONG_FILENAME) props.longName = text;
    else if (id === PR_ATTACH_FILENAME) props.shortName = text;
    else if (id === PR_DISPLAY_NAME) props.displayName = text;
    else if (id === PR_ATTACH_MIME_TAG) props.mimeTag = text;
    else if (id === PR_ATTACH_CONTENT_ID) props.contentId = text;
  }
  return props;
}

/** Forward-only reads within one buffer; any read past its end is a TnefError. */
class Cursor {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number): void {
    if (n > this.remaining)
      throw new TnefError(`MAPI property list truncated: ${n} bytes wanted, ${this.remaining} left`);
  }
  u16(): number {
    this.need(2);
    this.pos += 2;
    return this.buf.readUInt16LE(this.pos - 2);
  }
  u32(): number {
    this.need(4);
    this.pos += 4;
    return this.buf.readUInt32LE(this.pos - 4);
  }
  take(n: number): Buffer {
    this.need(n);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }
  skip(n: number): void {
    // the padding after a value that ends the list may be missing: tolerated, as Debian's tnef does
    this.pos += Math.min(n, this.remaining);
  }
}

/**
 * PT_STRING8 / attAttachTitle: NUL-terminated bytes in the stream's code page (attOemCodepage);
 * without one, code page 437, as MAPI's GetTnefStreamCodepage assumes ("If attOemCodepage is not
 * found, GetTnefStreamCodepage returns code page 437").
 */
function string8(bytes: Buffer, codepage: number | undefined): string {
  const nul = bytes.indexOf(0);
  const raw = nul >= 0 ? bytes.subarray(0, nul) : bytes;
  return decodeBytes(raw, `cp${codepage ?? DEFAULT_CODEPAGE}`).text;
}

/** PT_UNICODE: UTF-16LE, NUL-terminated. */
function unicode(bytes: Buffer): string {
  const text = bytes.subarray(0, bytes.length & ~1).toString('utf16le');
  const nul = text.indexOf('\u0000');
  return nul >= 0 ? text.slice(0, nul) : text;
}

function sum16(data: Buffer): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]!;
  return s & 0xffff;
}

function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

function hex(n: number): string {
  return n
    .toString(16)
    .padStart(n > 0xffff ? 8 : 4, '0')
    .toUpperCase();
}
