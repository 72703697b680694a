import { describe, expect, it } from 'vitest';
import type { ApiHealth } from '../src/api/gate.js';
import { startHealthServer } from '../src/daemon/http.js';
import { newHealth } from '../src/daemon/loop.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';

/**
 * The daemon's probes: /livez (liveness: only a hung process fails it), /readyz (can it do useful
 * work: the API answers and a mailbox is connected), /healthz (the detail, 503 for any mailbox down).
 * One mailbox with an expired password must not fail liveness, nor readiness.
 */
describe('/livez, /readyz, /healthz', () => {
  it('one mailbox down: alive and ready, /healthz degraded; all down or the API at fault: not ready', async () => {
    const good = { ...newHealth('good'), connected: true };
    const bad = { ...newHealth('expired-password'), connected: false, lastError: 'authentication failed' };
    let api: ApiHealth | undefined;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      health: () => [good, bad],
      api: () => api,
      metrics: new DaemonMetrics(),
    });
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    try {
      expect(await get('/livez')).toMatchObject({ status: 200, body: { status: 'alive' } });
      expect(await get('/readyz')).toEqual({
        status: 200,
        body: { status: 'ready', mailboxes: { connected: 1, total: 2 } },
      });
      expect(await get('/healthz')).toMatchObject({ status: 503, body: { status: 'degraded' } });

      good.connected = false;
      expect(await get('/livez')).toMatchObject({ status: 200 });
      expect(await get('/readyz')).toEqual({
        status: 503,
        body: {
          status: 'not-ready',
          reason: 'no mailbox is connected',
          mailboxes: { connected: 0, total: 2 },
        },
      });

      good.connected = true;
      api = {
        state: 'fault',
        since: new Date().toISOString(),
        reason: 'the API answered 404: check api.baseUrl',
        code: 'E_API_NOT_FOUND',
        setting: 'api.baseUrl',
      } as ApiHealth;
      const r = await get('/readyz');
      expect(r.status).toBe(503);
      expect(r.body.reason).toBe('api: the API answered 404: check api.baseUrl');
      expect(await get('/livez')).toMatchObject({ status: 200 });
    } finally {
      await server.close();
    }
  });
});
