/**
 * The one sleep. It never rejects: an abort ends the wait early and the promise resolves, so the
 * caller decides what an abort means. The daemon's loops already test `signal.aborted` after every
 * wait (a shutdown is not an error there); a caller for which an abort is a failure checks the signal
 * after the sleep and throws its own error (`withRetry` throws E_API_ABORTED).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
