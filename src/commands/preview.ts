import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, Mail2TicketError } from '../errors.js';
import { collectPreview } from '../preview/collect.js';
import { type PackedRecord, packRecord, renderPacked } from '../preview/render.js';
import { loadMailInput } from './mail-input.js';
import { Summary } from './summary.js';

export const PREVIEW_USAGE = 'usage: mail2ticket preview [--config FILE] [--out FILE] PATH...';
export const DEFAULT_PREVIEW_OUT = 'preview.html';

export interface PreviewIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function parsePreviewArgs(argv: string[]): { config?: string; out: string; paths: string[] } {
  let parsed: { values: { config?: string; out?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, out: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new Mail2TicketError('E_USAGE', describeError(err).replace(/\. To specify.*$/s, ''));
  }
  if (parsed.positionals.length === 0) throw new Mail2TicketError('E_USAGE', 'missing PATH');
  return {
    ...(parsed.values.config ? { config: parsed.values.config } : {}),
    out: parsed.values.out ?? DEFAULT_PREVIEW_OUT,
    paths: parsed.positionals,
  };
}

/** Write the report atomically (temp name, then rename): a half-written report is never opened. */
export function writeReport(path: string, html: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
}

/**
 * `mail2ticket preview`: the dry-run pipeline over stored mail, written as one self-contained HTML
 * report that shows each mail the way an agent will meet it. Prints the report's path on stdout.
 */
export async function previewCommand(argv: string[], io: PreviewIo = process): Promise<number> {
  const input = await loadMailInput('preview', PREVIEW_USAGE, parsePreviewArgs, argv, io.stderr);
  if (input === 2) return 2;
  const { args, config } = input;
  const out = resolve(args.out);
  const summary = new Summary();
  let html: string;
  try {
    // Packed as they come (the full record gzipped), so a big preview holds little.
    const packed: PackedRecord[] = [];
    await collectPreview(
      args.paths,
      config,
      (r) => {
        summary.add({
          source: r.source,
          outcome: r.outcome,
          ...(r.decision ? { decision: r.decision } : {}),
          ...(r.error ? { error: r.error } : {}),
        });
        packed.push(packRecord(r));
      },
      false,
    );
    html = renderPacked(packed, {
      title: 'mail2ticket preview',
      generatedAt: new Date().toISOString(),
      paths: args.paths,
    });
  } catch (err) {
    io.stderr.write(`mail2ticket preview: ${describeError(err)}\n`);
    return 1;
  }
  try {
    writeReport(out, html);
  } catch (err) {
    io.stderr.write(`mail2ticket preview: cannot write ${out}: ${describeError(err)}\n`);
    return 1;
  }
  io.stderr.write(`${summary.format()}\n`);
  io.stdout.write(`${out}\n`);
  return 0;
}
