/**
 * The pipeline's first stage on its own: parse one mail (its files go to the attachments sink as it
 * streams) and, when a classifier is given, classify it. Split from src/pipeline.ts so a worker
 * thread that only parses (src/parallel/worker.ts) loads the parser and nothing of the stages the
 * main thread runs (bodies, reply splitting, mapping, threading): importing the whole pipeline cost
 * the worker about 100 ms more CPU at start (issue 15, eighth session).
 */
import type { Readable } from 'node:stream';
import type { AttachmentsConfig } from './attachments/config-schema.js';
import { MailFileSink, removeSpoolDir } from './attachments/sink.js';
import { describeError, isMail2TicketError } from './errors.js';
import type { MappingOptions } from './map/map.js';
import { parseMail } from './parse/parse.js';
import type { MailResult } from './pipeline.js';
import type { Classification, ParsedMail } from './types.js';

/** What parsing needs: the limits and body options, and the attachments policy. */
export interface ParseSteps {
  mapping: MappingOptions;
  /**
   * The attachments policy; with `spoolRoot` (live) allowed files are spooled there for the upload,
   * without (dry run) they are only hashed and counted. Absent, or mode `skip`: files are counted.
   */
  attachments?: { config: AttachmentsConfig; spoolRoot?: string };
}

/** The pure steps that need no state: parse -> classify -> prepare (the latter two in src/pipeline.ts). */
export interface PrepareSteps extends ParseSteps {
  classify(mail: ParsedMail): Classification;
}

/**
 * A parsed and classified mail on its way to prepareParsed: plain data, so one thread can parse for
 * another (src/parallel/preparer.ts).
 */
export interface ParsedResult {
  source: string;
  mail: ParsedMail;
  /** Absent when the parsing thread left classifying to prepareParsed (parseStream without a classifier). */
  classification?: Classification;
  /** Where the attachments sink spools this mail's files (live mode), removed if the mail fails. */
  spoolDir?: string;
}

/**
 * The first half of prepareStream: parse (the mail's files go to the attachments sink as it
 * streams), then, when `steps` has a classifier, classify, which reads only the parsed mail. Without
 * one, classifying is left to prepareParsed: a worker that only parses hands it to the main thread,
 * which waited for the worker (src/parallel/preparer.ts, "split stages").
 */
export async function parseStream(
  source: string,
  stream: Readable,
  steps: ParseSteps | PrepareSteps,
): Promise<ParsedResult | MailResult> {
  const att = steps.attachments;
  const sink = att && att.config.mode === 'upload' ? new MailFileSink(att.config, att.spoolRoot) : undefined;
  let mail: ParsedMail;
  try {
    mail = await parseMail(stream, {
      limits: steps.mapping.limits,
      ...(sink ? { sink, inlineImagesAsFiles: steps.mapping.body.inlineImages === 'attachments' } : {}),
    });
  } catch (err) {
    stream.destroy();
    sink?.cleanup();
    if (isMail2TicketError(err)) return quarantined(source, err.code, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return quarantined(source, 'E_SOURCE_READ', `cannot read ${source}: ${code}`);
    }
    return quarantined(source, 'E_MIME_MALFORMED', `cannot parse ${source}: ${describeError(err)}`);
  }
  const spoolDir = sink?.spoolDir;
  try {
    return {
      source,
      mail,
      ...('classify' in steps ? { classification: steps.classify(mail) } : {}),
      ...(spoolDir ? { spoolDir } : {}),
    };
  } catch (err) {
    return prepareFailed(source, err, spoolDir);
  }
}

/** A mail that parsed but cannot become a payload (classify or prepare threw): its spooled files are removed. */
export function prepareFailed(source: string, err: unknown, spoolDir: string | undefined): MailResult {
  if (spoolDir) removeSpoolDir(spoolDir);
  if (isMail2TicketError(err)) return quarantined(source, err.code, err.message);
  return quarantined(
    source,
    'E_MAP_INVALID',
    `internal error while mapping ${source}: ${describeError(err)}`,
  );
}

/** A mail that cannot be processed, with the error that says why. */
export function quarantined(source: string, code: string, message: string): MailResult {
  return { source, outcome: 'quarantined', error: { code, message } };
}
