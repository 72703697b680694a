/**
 * The baseline: what a developer writes first. For each mail, one at a time: mailparser's
 * simpleParser with its defaults (which buffers every attachment, converts HTML to text and text
 * to HTML, and checksums every attachment), then sanitize-html with its defaults on the HTML, then
 * html-to-text with its defaults, and one JSON line out, as our replay writes one.
 *
 * Plain JavaScript on purpose: it runs under plain `node`, exactly like the built CLI it is compared
 * with, so neither side pays for a TypeScript loader in time or memory.
 *
 * usage: node bench/baseline.mjs --out FILE DIR
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { convert } from 'html-to-text';
import { simpleParser } from 'mailparser';
import sanitizeHtml from 'sanitize-html';

async function* emlFiles(dir) {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* emlFiles(path);
    else if (e.isFile() && e.name.endsWith('.eml')) yield path;
  }
}

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outPath = outAt >= 0 ? args[outAt + 1] : undefined;
const dir = args.filter((_, i) => i !== outAt && i !== outAt + 1)[0];
if (!dir) {
  process.stderr.write('usage: node bench/baseline.mjs [--out FILE] DIR\n');
  process.exit(2);
}
const out = outPath ? createWriteStream(outPath) : process.stdout;
let ok = 0;
let failed = 0;
for await (const path of emlFiles(dir)) {
  let line;
  try {
    const mail = await simpleParser(createReadStream(path));
    const html = typeof mail.html === 'string' ? mail.html : '';
    const safe = html ? sanitizeHtml(html) : '';
    const text = html ? convert(html) : (mail.text ?? '');
    line = {
      source: path,
      messageId: mail.messageId,
      subject: mail.subject,
      from: mail.from?.text,
      date: mail.date?.toISOString(),
      body: text,
      htmlBody: safe,
      attachments: mail.attachments.map((a) => ({ filename: a.filename, size: a.size })),
    };
    ok++;
  } catch (err) {
    line = { source: path, error: String(err?.message ?? err) };
    failed++;
  }
  if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => out.once('drain', r));
}
if (outPath) await new Promise((r) => out.end(r));
process.stderr.write(`baseline: ${ok} parsed, ${failed} failed\n`);
