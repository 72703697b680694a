import type { Faults } from '../sandbox/faults.js';
import type { SeedReport } from '../sandbox/seed.js';
import type { SandboxState } from '../sandbox/store.js';
import type { ApiConfigInput } from './config.js';

export interface SandboxOptions {
  /**
   * Mail files, folders, mboxes or Maildirs imported as the tickets and ticket messages SuperOffice's
   * own mail import would have made of them (a mail replying by In-Reply-To joins its parent's ticket).
   */
  seed?: string | readonly string[];
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serve the API under `/{tenant}/api/v1`, as SuperOffice Online does (e.g. "Cust12345"). */
  tenant?: string;
  /** Latency, 500s, 429s and dropped connections to inject from the start (see `setFaults`). */
  faults?: Faults;
}

export interface Sandbox {
  /** The server root, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** What a config's `api.baseUrl` takes: `${url}/api`, or `${url}/{tenant}/api`. */
  readonly apiUrl: string;
  /** A ready `api` config section for this sandbox: `apiUrl` and the credentials it accepts. */
  readonly apiConfig: ApiConfigInput;
  readonly tenant: string | undefined;
  readonly port: number;
  /** What the seed imported and skipped; undefined without a seed. */
  readonly seedReport: SeedReport | undefined;
  /** A snapshot of the tickets, ticket messages and request counters. */
  state(): SandboxState;
  /** Replace the injected faults (`{}` for none). */
  setFaults(faults: Faults): void;
  /** Stop the server and drop its connections (idempotent). */
  close(): Promise<void>;
}

/** The user and password a sandbox accepts (HTTP Basic), as `mail2ticket sandbox` prints them. */
const SANDBOX_AUTH = { scheme: 'basic', user: 'sandbox', password: 'sandbox' } as const;

/**
 * A local stand-in for SuperOffice's WebAPI (the routes mail2ticket uses: find by Message-Id, GET,
 * PUT, POST ticket messages, tickets), in memory, with fault injection: run live mode in a test.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { startSandbox: start } = await import('../sandbox/server.js');
  const seed =
    options.seed === undefined
      ? undefined
      : typeof options.seed === 'string'
        ? [options.seed]
        : [...options.seed];
  const sb = await start({
    ...(seed ? { seed } : {}),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  return {
    url: sb.url,
    apiUrl: sb.apiUrl,
    apiConfig: { baseUrl: sb.apiUrl, auth: { ...SANDBOX_AUTH } },
    tenant: sb.tenant,
    port: sb.port,
    seedReport: sb.seedReport,
    state: () => sb.state(),
    setFaults: (faults) => sb.setFaults(faults),
    close: () => sb.close(),
  };
}
