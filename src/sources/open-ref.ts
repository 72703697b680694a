import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { FromUnquote } from './from-unquote.js';
import type { SourceRef } from './types.js';

/**
 * Stored mail up to this size is read whole, with synchronous calls, into one chunk; bigger mail
 * streams. A ReadStream costs an open, a read per 64 KiB, a read that finds the end and a close, each
 * a round trip through libuv's thread pool that wakes two threads: over the benchmark corpus's 1,997
 * small files that was 480 to 650 ms of CPU against 36 to 47 ms for the same files read whole (one
 * process reading each file both ways; docs/benchmarks.md, "sixth session"), and the profiles
 * charged 0.64 s of the worker's 4.0 s to open, read and close. 1 MiB bounds what a read holds the
 * thread for (about a millisecond from the page cache) and the memory of the mails in flight; 99.8 %
 * of the corpus and most real mail is smaller.
 */
export const WHOLE_READ_MAX_BYTES = 1024 * 1024;

export function openRef(ref: SourceRef): Readable {
  if (ref.type === 'file') return readWhole(ref.path, 0) ?? createReadStream(ref.path);
  if (ref.end <= ref.start) return Readable.from([]);
  const span = readWhole(ref.path, ref.start, ref.end);
  return (span ?? createReadStream(ref.path, { start: ref.start, end: ref.end - 1 })).pipe(new FromUnquote());
}

/**
 * The bytes from `start` to `end` (default: the end of the file) as a one-chunk stream, or undefined
 * when they are more than WHOLE_READ_MAX_BYTES or the file cannot be read: the caller then opens a
 * ReadStream, which reports the error (ENOENT, EACCES, EISDIR) as the stream's error event, exactly as
 * before, so a missing file still becomes the same quarantine.
 */
function readWhole(path: string, start: number, end?: number): Readable | undefined {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO among a Maildir's files must not block this thread in open (a regular
    // file ignores the flag); it is not a file, so the ReadStream below takes it, as before
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const stop = Math.min(end ?? stat.size, stat.size);
    const length = Math.max(0, stop - start);
    if (length > WHOLE_READ_MAX_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, start + got);
      if (n === 0) break; // the file shrank since fstat: what is there is the mail
      got += n;
    }
    const bytes = buf.subarray(0, got);
    return new Readable({
      read() {
        if (bytes.length > 0) this.push(bytes);
        this.push(null);
      },
    });
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
