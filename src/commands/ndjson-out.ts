import { closeSync, openSync, writeSync } from 'node:fs';
import { describeError, Mail2TicketError } from '../errors.js';

/** Where replay writes its NDJSON: `--out FILE` or standard output. */
export interface LineSink {
  /** Write one line (with its newline); resolves when more may be written. */
  write(line: string): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * `--out FILE`, opened before the first mail is read so a wrong path is one line and exit code 2,
 * not an unhandled stream error after the replay has started. Lines are written with synchronous
 * calls: a WriteStream sends every line through libuv's thread pool (a write and its completion,
 * waking two threads), which over the benchmark corpus's 2,000 lines (48 MB) cost 250 ms of CPU
 * against 110 ms written directly, on the thread that also runs the ordered stage
 * (docs/benchmarks.md, "sixth session"). A line is a few KB to a few MB into the page cache.
 */
export function openOutFile(path: string): LineSink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw new Mail2TicketError('E_USAGE', `cannot write --out ${path}: ${describeError(err)}`);
  }
  let open = true;
  return {
    write(line) {
      const bytes = Buffer.from(line);
      try {
        // writeSync may write less than asked (a pipe, a signal): go on from where it stopped
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      } catch (err) {
        // mid-run (a full disk): one line and exit 1 from the CLI's last resort, not a usage error
        throw new Error(`cannot write --out ${path}: ${describeError(err)}`);
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** Standard output (or a test's stream), with its backpressure: wait for 'drain' when it asks. */
export function streamSink(stream: NodeJS.WritableStream): LineSink {
  return {
    write(line) {
      if (stream.write(line)) return;
      return new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    },
    close() {},
  };
}
