import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiHealth } from '../api/gate.js';
import type { MailboxHealth } from './loop.js';
import type { DaemonMetrics } from './metrics.js';

export interface HealthServerOptions {
  port: number;
  host: string;
  health: () => MailboxHealth[];
  /** The API as a whole (src/api/gate.ts); absent when the daemon has no gate. */
  api?: () => ApiHealth | undefined;
  metrics: DaemonMetrics;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /healthz: per-mailbox connected / last successful fetch / backlog, and the API's state; 200
 * when every mailbox is connected and the API answers, 503 otherwise (a load balancer or systemd
 * watchdog can act on it). While the API is at fault, `api.reason` says what and which setting.
 * `status`: `ok`, `degraded` (a mailbox is down) or `api-fault`.
 * GET /metrics: Prometheus text format.
 */
export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const mailboxes = o.health();
      const api = o.api?.();
      const apiOk = !api || api.state === 'ok';
      const ok = mailboxes.every((m) => m.connected) && apiOk;
      const status = !apiOk ? 'api-fault' : ok ? 'ok' : 'degraded';
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ status, ...(api ? { api } : {}), mailboxes })}\n`);
      return;
    }
    if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(o.metrics.render());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
