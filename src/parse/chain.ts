import { finished, type Readable, type Writable } from 'node:stream';

/**
 * `stream.pipeline` for the parser's fixed chain, without its per-call AbortController: Node's
 * pipeline aborts an internal controller when it finishes, successful or not (lib/internal/streams/
 * pipeline.js, finishImpl), and every abort builds a DOMException with a stack trace. Once per
 * mail that was 0.6 % of the replay's CPU in a profile (docs/benchmarks.md).
 *
 * Same contract as pipeline: each stream is piped into the next; the first error (or a premature
 * close) destroys every stream and rejects; success once the source has ended, the middle streams
 * have ended both sides and the last has finished writing; settled on a later tick, as pipeline
 * settles (its callback runs in process.nextTick), so 'data' already queued is delivered first.
 * `timeoutMs` fails the chain with `onTimeout()`'s error, as an abort signal would.
 */
export function runChain(
  streams: [Readable, ...(Readable & Writable)[], Writable],
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let pending = streams.length;
    const cleanups: (() => void)[] = [];
    const settle = (err?: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const c of cleanups) c();
      if (err) for (const s of streams) s.destroy();
      process.nextTick(() => (err ? reject(err) : resolve()));
    };
    const timer = setTimeout(() => settle(onTimeout()), timeoutMs);
    const last = streams.length - 1;
    streams.forEach((stream, i) => {
      // an error after the chain settled (a stream destroyed above) must not go unhandled
      stream.on('error', () => {});
      cleanups.push(
        finished(stream, { readable: i < last, writable: i > 0 }, (err) => {
          if (err) settle(err);
          else if (--pending === 0) settle();
        }),
      );
    });
    for (let i = 0; i < last; i++) (streams[i] as Readable).pipe(streams[i + 1] as Writable);
  });
}
