import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../errors.js';
import { Mail2TicketError } from '../errors.js';
import { completeMail, type MailResult, type MappedMail, prepareInput, prepareStream } from '../pipeline.js';
import { checkPaths, type MailInput, readSources } from '../sources/index.js';
import { type ConfigInput, toConfig } from './config.js';

/**
 * One mail: its bytes (a Buffer or any Uint8Array), a stream of them (a Node `Readable`, or any async
 * iterable of chunks), or the path of a file holding it (a string or a `file:` URL).
 */
export type MailSource = Uint8Array | AsyncIterable<Uint8Array | string> | string | URL;

export interface MapMailOptions {
  /**
   * The configuration (`mapping`, `body`, `limits`, `threading`, `stateDir`), as `replay --config`
   * takes it. Default: every default. When `stateDir` holds the state of earlier live runs, threading
   * reads it (read-only), exactly as a dry run does.
   */
  config?: ConfigInput;
  /** The name the mail goes by in error messages. Default: the path, or "mail". */
  source?: string;
}

/**
 * What one mail becomes: the ticket message payload and the decision behind it, exactly what
 * `mail2ticket replay --dry-run` prints for the mail alone. Nothing is written (no state, no API).
 *
 * A mail that cannot become a payload (empty, too large, malformed MIME, unreadable file) throws a
 * Mail2TicketError with the code the replay's `quarantined` record carries. Unlike replay, a
 * Message-Id that the state says was already processed is mapped all the same (replay reports
 * `duplicate`). A file that holds several mails (an mbox) throws E_USAGE: replay it instead.
 */
export async function mapMail(input: MailSource, options: MapMailOptions = {}): Promise<MappedMail> {
  const config = toConfig(options.config);
  const one = await oneInput(input, options.source);
  const { buildContext } = await import('../commands/context.js');
  const built = await buildContext(config, { dryRun: true });
  try {
    const { isDuplicate: _alreadyProcessed, ...ctx } = built.pipeline;
    const prepared =
      'open' in one ? await prepareInput(one, ctx) : await prepareStream(one.source, one.stream, ctx);
    const result = 'prepared' in prepared ? await completeMail(prepared, ctx) : prepared;
    return mappedOrThrow(result);
  } finally {
    await built.close();
  }
}

async function oneInput(
  input: MailSource,
  source: string | undefined,
): Promise<MailInput | { source: string; stream: Readable }> {
  if (typeof input === 'string' || input instanceof URL) {
    const path = typeof input === 'string' ? input : fileURLToPath(input);
    await checkPaths([path]);
    const found: MailInput[] = [];
    for await (const mail of readSources([path])) {
      found.push(mail);
      if (found.length > 1) {
        throw new Mail2TicketError(
          'E_USAGE',
          `${path} holds more than one mail (an mbox or a folder): use replay for it`,
        );
      }
    }
    const [mail] = found;
    if (!mail) throw new Mail2TicketError('E_USAGE', `${path} holds no mail`);
    return source === undefined ? mail : { ...mail, source };
  }
  const name = source ?? 'mail';
  if (input instanceof Readable) return { source: name, stream: input };
  if (input instanceof Uint8Array) return { source: name, stream: Readable.from([Buffer.from(input)]) };
  if (input && typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return { source: name, stream: Readable.from(input) };
  }
  throw new Mail2TicketError(
    'E_USAGE',
    'mapMail takes a Buffer or Uint8Array, a Readable or async iterable of chunks, or a file path',
  );
}

function mappedOrThrow(result: MailResult): MappedMail {
  if (result.payload && result.decision && result.outcome === 'dry-run') {
    return { payload: result.payload, decision: result.decision };
  }
  const error = result.error ?? { code: 'E_MAP_INVALID', message: `${result.source}: ${result.outcome}` };
  throw new Mail2TicketError(error.code as ErrorCode, error.message, {
    retryable: error.retryable ?? false,
    details: { source: result.source, outcome: result.outcome },
  });
}
