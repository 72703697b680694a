import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiHealth } from '../api/gate.js';
import { describeError } from '../errors.js';
import type { MailboxHealth } from './loop.js';
import type { DaemonMetrics } from './metrics.js';

export interface HealthServerOptions {
  port: number;
  host: string;
  health: () => MailboxHealth[];
  /** The API as a whole (src/api/gate.ts); absent when the daemon has no gate. */
  api?: () => ApiHealth | undefined;
  metrics: DaemonMetrics;
  /** Mailbox leases held here (PostgreSQL, several instances); absent with SQLite. */
  leases?: () => unknown;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /livez: 200 while the process answers (for a liveness probe: restart only a hung process).
 * GET /readyz: 200 when the API answers and at least one mailbox is connected, 503 otherwise.
 * GET /healthz: per-mailbox connected / last successful fetch / backlog, and the API's state; 200
 * when every mailbox is connected and the API answers, 503 otherwise (a load balancer or systemd
 * watchdog can act on it). While the API is at fault, `api.reason` says what and which setting.
 * `status`: `ok`, `degraded` (a mailbox is down) or `api-fault`. With leases (PostgreSQL),
 * `mailboxes` lists the ones this instance holds and `leases` their ages and the fair share.
 * GET /metrics: Prometheus text format (prom-client; src/daemon/metrics.ts).
 */
export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/livez') {
      // Liveness: this answer itself proves the process and its event loop are alive. Never
      // depends on a mailbox or the API, so a liveness probe never restarts healthy mailboxes.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ status: 'alive', uptimeSeconds: Math.round(process.uptime()) })}\n`);
      return;
    }
    if (path === '/readyz') {
      // Readiness: the daemon can do useful work: the API answers and at least one mailbox is
      // connected. One mailbox down (an expired password) is /healthz's detail, not unreadiness.
      const mailboxes = o.health();
      const api = o.api?.();
      const apiOk = !api || api.state === 'ok';
      const connected = mailboxes.filter((m) => m.connected).length;
      const ready = apiOk && (mailboxes.length === 0 || connected > 0);
      const reason = !apiOk ? `api: ${api?.reason ?? 'at fault'}` : ready ? null : 'no mailbox is connected';
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(
        `${JSON.stringify({
          status: ready ? 'ready' : 'not-ready',
          ...(reason ? { reason } : {}),
          mailboxes: { connected, total: mailboxes.length },
        })}\n`,
      );
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
        .end(
          `${JSON.stringify({ status, ...(api ? { api } : {}), mailboxes, ...(o.leases ? { leases: o.leases() } : {}) })}\n`,
        );
      return;
    }
    if (path === '/metrics') {
      o.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': o.metrics.contentType }).end(text),
        // A collect callback that throws (an extra gauge reading state) is one line, not a crash.
        (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics: ${describeError(err)}\n`),
      );
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
