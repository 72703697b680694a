import { type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A loopback TCP proxy in front of the IMAP server, to cut connections at chosen moments
 * (mid-FETCH) the way a NAT timeout or a flaky network does.
 */
export class TcpProxy {
  port = 0;
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** When set, a connection is cut once the server has sent this many more bytes on it. */
  private cutAfter: number | undefined;
  cuts = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const pair = { client, upstream };
      this.pairs.add(pair);
      upstream.on('data', (chunk: Buffer) => {
        if (this.cutAfter !== undefined) {
          this.cutAfter -= chunk.length;
          if (this.cutAfter <= 0) {
            // Cut in the middle of whatever the server is sending (a literal of a FETCH).
            client.write(chunk.subarray(0, Math.max(0, chunk.length + this.cutAfter - 1)));
            this.cutAfter = undefined;
            this.cuts++;
            client.destroy();
            upstream.destroy();
            return;
          }
        }
        client.write(chunk);
      });
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Cut the connection on which the server sends the `bytes`-th byte from now (counted over all connections). */
  cutAfterBytes(bytes: number): void {
    this.cutAfter = bytes;
  }

  /** Drop every open connection now. */
  cutAll(): void {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.cuts++;
  }

  get connections(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
