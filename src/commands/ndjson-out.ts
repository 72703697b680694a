import { closeSync, openSync, writeSync } from 'node:fs';
import { describeError, Mail2TicketError } from '../errors.js';

/** Where replay writes its NDJSON: `--out FILE` or standard output. */
export interface LineSink {
  /** Write one record's JSON text and a newline after it; resolves when more may be written. */
  write(json: string): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * Lines up to this many bytes are encoded into one buffer that every line reuses; a longer one gets
 * a buffer of its own. Encoding `json + "\n"` instead made V8 flatten the two into a copy of the
 * whole line on the JavaScript heap before Buffer.from encoded it again: 84 MiB of the main thread's
 * 1,237 MiB of allocations over the benchmark corpus (a sampling allocation profile, issue 15,
 * eighth session), on the thread the replay waits for. 1 MiB holds all but the longest lines (the
 * corpus's are 24 KB on average) and is what the buffer costs at most.
 */
export const OUT_BUFFER_MAX_BYTES = 1024 * 1024;

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
  let reused = Buffer.alloc(0);
  return {
    write(json) {
      // at most 3 bytes per UTF-16 code unit: within that bound the byte length need not be counted
      const size = (json.length * 3 < OUT_BUFFER_MAX_BYTES ? json.length * 3 : Buffer.byteLength(json)) + 1;
      let bytes: Buffer;
      if (size <= OUT_BUFFER_MAX_BYTES) {
        if (reused.length < size)
          reused = Buffer.allocUnsafeSlow(Math.min(OUT_BUFFER_MAX_BYTES, Math.max(size, 2 * reused.length)));
        bytes = reused;
      } else {
        bytes = Buffer.allocUnsafe(size);
      }
      const length = bytes.write(json, 0, 'utf8') + 1;
      bytes[length - 1] = 0x0a;
      try {
        // writeSync may write less than asked (a pipe, a signal): go on from where it stopped
        for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done);
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
    write(json) {
      if (stream.write(`${json}\n`)) return;
      return new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    },
    close() {},
  };
}
