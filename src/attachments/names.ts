/**
 * Safe file names for attachments. The decoded name (mailparser decodes RFC 2231 parameters,
 * continuations included, and RFC 2047 encoded-words in `name=`/`filename=`) is a string the
 * sender chose: it may carry a path (`../../etc/passwd`, `C:\Users\x\a.pdf`), control characters,
 * bidirectional overrides that disguise an extension (`invoice\u202Efdp.exe` shows as
 * `invoiceexe.pdf`), or be thousands of characters long. What reaches SuperOffice is the last path
 * segment, without those, at most MAX_NAME_CHARS long with its extension kept.
 */

/** Longest name kept, in characters: NTFS and most file systems stop at 255 UTF-16 units. */
export const MAX_NAME_CHARS = 200;

/** Longest extension kept when a name is shortened. */
const MAX_EXTENSION_CHARS = 16;

/**
 * C0 and C1 controls, DEL, and the Unicode bidi controls (LRE..RLO, LRI..PDI, LRM/RLM/ALM):
 * the last are the "RLO extension spoofing" trick (CVE-2009-3376 class, Unicode TR36 §2.3).
 */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Characters Windows refuses in a file name (an agent saves the file there). */
const RESERVED_CHARS = /[<>:"|?*]/g;

/** Device names Windows reserves whatever the extension (CON.txt opens the console). */
const RESERVED_NAMES = new Set([
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

/** The extension a name is given from its type when it has none (unnamed parts). */
const EXTENSION_OF_TYPE: Record<string, string> = {
  'message/rfc822': 'eml',
  'message/global': 'eml',
  'application/ms-tnef': 'dat',
  'application/vnd.ms-tnef': 'dat',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/json': 'json',
  'application/xml': 'xml',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/pkcs7-signature': 'p7s',
  'application/x-pkcs7-signature': 'p7s',
  'application/pgp-signature': 'asc',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
  'image/svg+xml': 'svg',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'text/calendar': 'ics',
  'text/rfc822-headers': 'txt',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

/** Names for well-known unnamed parts, as the sending clients name them when they do. */
const NAME_OF_TYPE: Record<string, string> = {
  'application/ms-tnef': 'winmail.dat',
  'application/vnd.ms-tnef': 'winmail.dat',
  'application/pkcs7-signature': 'smime.p7s',
  'application/x-pkcs7-signature': 'smime.p7s',
  'application/pgp-signature': 'signature.asc',
  'text/calendar': 'invite.ics',
};

/** The lower-case extension of a name, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const base = name.replace(/[. ]+$/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : '';
}

export function isBlockedExtension(ext: string, blocked: ReadonlySet<string> | readonly string[]): boolean {
  if (!ext) return false;
  return Array.isArray(blocked) ? blocked.includes(ext) : (blocked as ReadonlySet<string>).has(ext);
}

/** A name for a part that has none: `attachment-2.pdf`, `forwarded-message-1.eml`, `winmail.dat`. */
export function nameFromType(contentType: string, index: number): string {
  const type = contentType.toLowerCase();
  const known = NAME_OF_TYPE[type];
  if (known) return known;
  const ext = EXTENSION_OF_TYPE[type] ?? (type.startsWith('text/') ? 'txt' : 'bin');
  const stem = type.startsWith('message/') ? 'forwarded-message' : 'attachment';
  return `${stem}-${index}.${ext}`;
}

/**
 * The safe form of a decoded name: last path segment, no control or bidi characters, no characters
 * Windows refuses, no leading/trailing dots or spaces, not a device name, at most MAX_NAME_CHARS
 * with the extension kept. Empty afterwards: a name from the type. A message/rfc822 part ends in
 * `.eml` (what mail clients open), whatever its name said.
 */
export function safeName(raw: string | undefined, contentType: string, index: number): string {
  let name = (raw ?? '').normalize('NFC').replace(UNSAFE_CHARS, '');
  // A path: keep its last segment (both separators: the sender may be on Windows).
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(RESERVED_CHARS, '_').replace(/\s+/g, ' ');
  name = name.replace(/^[. ]+|[. ]+$/g, '');
  if (!name) return nameFromType(contentType, index);
  const type = contentType.toLowerCase();
  if ((type === 'message/rfc822' || type === 'message/global') && extensionOf(name) !== 'eml') name += '.eml';
  const stem = name.split('.')[0]!.toLowerCase();
  if (RESERVED_NAMES.has(stem)) name = `_${name}`;
  return shorten(name);
}

/** Cut to MAX_NAME_CHARS code points, keeping the extension (so the type an agent sees stays true). */
function shorten(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_NAME_CHARS) return name;
  const ext = extensionOf(name);
  const tail = ext && ext.length <= MAX_EXTENSION_CHARS ? `.${ext}` : '';
  const keep = MAX_NAME_CHARS - [...tail].length - 1;
  return `${chars.slice(0, keep).join('')}…${tail}`;
}

/** Extensions whose type EXTENSION_OF_TYPE gives under another name, or not at all. */
const TYPE_OF_EXTENSION_EXTRA: Record<string, string> = {
  jpeg: 'image/jpeg',
  tiff: 'image/tiff',
  htm: 'text/html',
  log: 'text/plain',
  eml: 'message/rfc822',
  rtf: 'application/rtf',
  msg: 'application/vnd.ms-outlook',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  mp3: 'audio/mpeg',
  // any program's data file: only a part named winmail.dat is TNEF (src/attachments/tnef.ts)
  dat: 'application/octet-stream',
};

/** The type a name's extension stands for (files inside a TNEF carry a name, rarely a type). */
const TYPE_OF_EXTENSION: ReadonlyMap<string, string> = new Map([
  // the first type listed for an extension wins (message/rfc822 for eml, image/jpeg for jpg)
  ...Object.entries(EXTENSION_OF_TYPE)
    .reverse()
    .map(([type, ext]) => [ext, type] as const),
  ...Object.entries(TYPE_OF_EXTENSION_EXTRA),
]);

/** A content type from a file name's extension; application/octet-stream when unknown. */
export function typeFromName(name: string): string {
  return TYPE_OF_EXTENSION.get(extensionOf(name)) ?? 'application/octet-stream';
}
