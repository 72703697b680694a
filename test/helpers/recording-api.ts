import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP API standing in for SuperOffice in daemon scenarios: PUT /messages/<Message-Id>
 * stores the body (idempotent, like PUT /api/v1/TicketMessage/{id}) and counts every PUT.
 * It can be switched "down" (503) and told to reject given Message-Ids (500) forever.
 */
export class RecordingApi {
  port = 0;
  readonly puts = new Map<string, number>();
  readonly bodies = new Map<string, string>();
  down = false;
  readonly poison = new Set<string>();
  /** Message-Ids in the order their first PUT arrived. */
  readonly order: string[] = [];
  /** Message-Id of every PUT that reached the store, in arrival order (repeats included). */
  readonly putLog: string[] = [];
  requests = 0;
  /** Delay before answering a PUT (widens the window in which a kill lands mid-request). */
  delayMs = 0;
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const m = /^\/messages\/(.+)$/.exec(req.url ?? '');
        if (this.down) return void res.writeHead(503).end('down');
        if (req.method !== 'PUT' || !m) return void res.writeHead(404).end();
        const id = decodeURIComponent(m[1]!);
        if (this.poison.has(id)) return void res.writeHead(500).end('cannot store this one');
        if (!this.puts.has(id)) this.order.push(id);
        this.puts.set(id, (this.puts.get(id) ?? 0) + 1);
        this.putLog.push(id);
        this.bodies.set(id, Buffer.concat(chunks).toString('utf8'));
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
          this.delayMs,
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
