import { deflateSync } from 'node:zlib';

/**
 * Small but real attachments for the fixture mails (a parser or a virus scanner may open them):
 * PNGs, the classic tracking GIF, one-page PDFs, a ZIP, the start of a TNEF stream.
 */

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A real PNG (RGB, 8 bit) drawn by `pixel(x, y)`. */
function png(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * (1 + w * 3) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The classic 1x1 transparent GIF89a (a real, 42-byte image; the tracking pixel of many mailers). */
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** A one-page PDF with a correct xref table. */
function pdf(lines: string[]): Buffer {
  const content = ['BT /F1 12 Tf 56 780 Td 14 TL', ...lines.map((l) => `(${l}) '`), 'ET'].join('\n');
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A ZIP archive with stored (uncompressed) entries. */
function zip(files: { name: string; data: string }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const dosTime = (9 << 11) | (30 << 5); // 09:30:00
  const dosDate = ((2025 - 1980) << 9) | (3 << 5) | 3; // 2025-03-03
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const data = Buffer.from(f.data, 'utf8');
    const crc = crc32(data);
    // What the local header and the central directory record both hold, from `at` on: time,
    // date, CRC-32, compressed and uncompressed size (equal: stored), name length.
    const common = (header: Buffer, at: number) => {
      header.writeUInt16LE(dosTime, at);
      header.writeUInt16LE(dosDate, at + 2);
      header.writeUInt32LE(crc, at + 4);
      header.writeUInt32LE(data.length, at + 8);
      header.writeUInt32LE(data.length, at + 12);
      header.writeUInt16LE(name.length, at + 16);
    };
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4); // version needed
    common(lh, 10);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4); // version made by
    ch.writeUInt16LE(20, 6); // version needed
    common(ch, 12);
    ch.writeUInt32LE(offset, 42); // where the local header starts
    locals.push(lh, name, data);
    centrals.push(ch, name);
    offset += lh.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The start of a TNEF stream (winmail.dat): signature 0x223E9F78, key, then a version attribute. */
const TNEF = Buffer.concat([
  Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x5a, 0x01, 0x01, 0x06, 0x90, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00]),
  Buffer.from([0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x07, 0x90, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00]),
  Buffer.from(
    '\xe4\x04\x00\x00\x00\x00\x00\x00\xe8\x00\x01\x08\x80\x07\x00\x18\x00\x00\x00IPM.Microsoft Mail.Note\x00',
    'latin1',
  ),
]);

export const assets = {
  logoPng: png(24, 8, (x) => (x < 8 ? [0x1f, 0x5c, 0x99] : x < 16 ? [0xff, 0xff, 0xff] : [0xe3, 0x6c, 0x0a])),
  screenshotPng: png(32, 20, (x, y) =>
    y < 4 ? [0x33, 0x33, 0x33] : (x + y) % 7 === 0 ? [0xc0, 0x20, 0x20] : [0xf4, 0xf4, 0xf4],
  ),
  gif: GIF_1X1,
  invoicePdf: pdf(['ACME Hosting AS - Invoice 2025-0311', 'Customer 10442', 'Amount due: NOK 1 249,00']),
  scanPdf: pdf(['Scanned document', 'Device: MFP-3F-EAST']),
  logsZip: zip([
    {
      name: 'sync.log',
      data: '2025-03-03T08:12:44Z ERROR sync: token expired (401)\n2025-03-03T08:12:45Z INFO retry in 30s\n',
    },
    {
      name: 'config/settings.json',
      data: '{"server":"https://sod.superoffice.example/Cust12345","retries":3}\n',
    },
  ]),
  tnef: TNEF,
};
