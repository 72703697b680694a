import type { Readable } from 'node:stream';
import type { ProcessMail } from '../../src/daemon/types.js';

async function readAll(raw: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(raw)) return raw;
  const chunks: Buffer[] = [];
  for await (const c of raw) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A stand-in for the real pipeline (src/pipeline.ts lands later): PUT the raw mail to a
 * RecordingApi under its Message-Id. 2xx → updated; 5xx or network error → deferred.
 */
export function httpProcessMail(baseUrl: string): ProcessMail {
  return async (raw, meta) => {
    const bytes = await readAll(raw);
    const head = bytes.subarray(0, Math.min(bytes.length, 64 * 1024)).toString('latin1');
    const id = /^message-id:\s*<?([^>\r\n]+)>?/im.exec(head)?.[1] ?? `${meta.mailbox}-${meta.uid}`;
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/messages/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: bytes,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
    } catch (err) {
      return {
        outcome: 'deferred',
        error: { code: 'E_API_NETWORK', message: (err as Error).message, retryable: true },
      };
    }
    if (res.ok) return { outcome: 'updated', kind: 'message' };
    return {
      outcome: 'deferred',
      error: { code: 'E_API_HTTP', message: `HTTP ${res.status}`, retryable: true },
    };
  };
}
