import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A bounded "external memory pressure" hint for the streams that move a large file (issue 14).
 *
 * Why: a file streamed in 64 KiB chunks leaves one dead Buffer per chunk (the mail's read chunks
 * and the decoded ones while it is spooled; the spool's read chunks while it is uploaded). Their
 * memory is outside V8's heap, and V8 only collects for it once external memory has grown by its
 * soft limit (~64 MB since the last GC) or when the young generation fills, which the upload (a
 * file read stream feeding a socket) hardly does. Measured (docs/benchmarks.md, "Attachment upload
 * memory, issue 14 (evening)"): a 60 MiB upload piled up ~40-50 MiB of dead chunks before anything
 * freed them. A minor GC (scavenge) every GC_HINT_BYTES frees them while they are young: ~1 ms
 * each, and never for a file smaller than GC_HINT_BYTES.
 *
 * How: Node has no API to request a GC without `--expose-gc`. jest-leak-detector's technique
 * (jestjs/jest, packages/jest-leak-detector/src/index.ts): set `--expose-gc` at run time, take the
 * `gc` function from a new context (the flag only affects contexts created after it), then unset
 * the flag so nothing else sees it. `gc({ type: 'minor' })` asks V8's gc extension for a scavenge
 * (v8/src/extensions/gc-extension.cc).
 */

/**
 * Bytes of one stream between two hints, far below V8's 64 MB trigger. Measured on the 60 MiB
 * upload (docs/benchmarks.md): 8 MiB left 12-15 MiB of dead chunks at each hint; 4 and 2 MiB gave
 * the same peaks, so the larger of the two (fewer GCs: 15 per 60 MiB and stream).
 */
export const GC_HINT_BYTES = 4 * 1024 * 1024;

type GcFn = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/** undefined: not asked yet; null: unavailable (the hint is then a no-op). */
let gcFn: GcFn | null | undefined;

function gcFunction(): GcFn | null {
  if (gcFn !== undefined) return gcFn;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    gcFn = exposed as GcFn; // node --expose-gc: use it, leave the flag as it is
    return gcFn;
  }
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    gcFn = typeof fn === 'function' ? (fn as GcFn) : null;
  } catch {
    gcFn = null; // a hint only: without it the memory is still reclaimed, only later
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return gcFn;
}

/**
 * Counts the bytes of one stream and hints a minor GC after every GC_HINT_BYTES. A stream shorter
 * than that never calls into V8: a small mail pays one addition per chunk.
 */
export class GcPacer {
  private since = 0;

  add(bytes: number): void {
    this.since += bytes;
    if (this.since < GC_HINT_BYTES) return;
    this.since = 0;
    gcFunction()?.({ type: 'minor' });
  }
}
