import { parseArgs } from 'node:util';
import { ApiGate } from '../api/gate.js';
import { type Config, loadConfigFile } from '../config.js';
import { type MailboxConfig, mailboxListProblems } from '../daemon/config-schema.js';
import { type HealthServer, startHealthServer } from '../daemon/http.js';
import type { ApiFaultRecord, StateStore } from '../daemon/mailbox-state.js';
import { openStateStore } from '../state/open.js';
import { leaseManagerFor, registerLeaseMetrics } from '../daemon/lease.js';
import { DaemonMetrics } from '../daemon/metrics.js';
import { Supervisor } from '../daemon/supervisor.js';
import type { ProcessMail } from '../daemon/types.js';
import { Mail2TicketError, describeError } from '../errors.js';
import { type Logger, createLogger } from '../logger.js';

export interface ProcessMailContext {
  config: Config;
  mailbox: MailboxConfig;
  /** This mailbox's logger (`mailbox` bound). */
  logger: Logger;
  /**
   * The daemon's logger, no mailbox bound: for what every mailbox shares (the API client, tenant
   * resolution, the gate's probe), whose lines outside a mail belong to no one mailbox.
   */
  sharedLogger?: Logger;
}

export interface RunDeps {
  /** Builds the pipeline for one mailbox (parse → classify → thread → map → PUT). */
  processMailFactory?: (ctx: ProcessMailContext) => ProcessMail;
  /**
   * One neutral API question (the Message-Id lookup of an id no mail has), to tell an API fault
   * from a mail's own and to notice when the API answers again (src/api/gate.ts).
   */
  apiProbe?: (config: Config, signal: AbortSignal) => Promise<void>;
  logger?: Logger;
  /** Where SIGTERM/SIGINT come from (tests pass an EventEmitter). */
  signals?: NodeJS.EventEmitter;
  /** Hard exit for the second signal. */
  exit?: (code: number) => void;
  /** Called once everything runs (tests read the HTTP port and the supervisor). */
  onReady?: (info: { httpPort?: number; supervisor: Supervisor }) => void;
}

export const RUN_USAGE = 'usage: mail2ticket run --config FILE [--log-level LEVEL]';

/**
 * `mail2ticket run`: run every configured mailbox until SIGTERM/SIGINT. The first signal drains
 * (mail in flight finished within daemon.shutdownGraceMs, IDLE left, connections closed, exit 0);
 * a second signal exits at once (the state makes that safe: at worst one repeated PUT).
 */
export async function runCommand(argv: string[], deps: RunDeps = {}): Promise<number> {
  let args: { config?: string; 'log-level'?: string };
  try {
    args = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`mail2ticket run: ${describeError(err)}\n${RUN_USAGE}\n`);
    return 2;
  }
  const configPath = args.config ?? process.env.MAIL2TICKET_CONFIG;
  if (!configPath) {
    process.stderr.write(`mail2ticket run: no configuration given\n${RUN_USAGE}\n`);
    return 2;
  }
  const logger =
    deps.logger ??
    createLogger({
      pretty: Boolean(process.stdout.isTTY),
      ...(args['log-level'] ? { level: args['log-level'] } : {}),
    });
  let config: Config;
  try {
    config = loadConfigFile(configPath);
    const dup = mailboxListProblems(config.mailboxes);
    if (dup.length)
      throw new Mail2TicketError('E_CONFIG', `${configPath} is invalid:\n  ${dup.join('\n  ')}`);
    if (config.mailboxes.length === 0)
      throw new Mail2TicketError('E_CONFIG', `${configPath}: mailboxes is empty, nothing to run`);
    if (!deps.processMailFactory) {
      throw new Mail2TicketError(
        'E_USAGE',
        'no mail pipeline is wired into this build (processMailFactory missing)',
      );
    }
  } catch (err) {
    process.stderr.write(`mail2ticket run: ${describeError(err)}\n`);
    return 2;
  }

  const factory = deps.processMailFactory;
  let store: StateStore;
  let pastFaults: ApiFaultRecord[];
  try {
    store = await openStateStore(config);
    pastFaults = await store.apiFaults();
  } catch (err) {
    process.stderr.write(`mail2ticket run: ${describeError(err)}\n`);
    return 1;
  }
  const metrics = new DaemonMetrics();
  const probe = deps.apiProbe;
  metrics.apiUp.set({}, 1);
  // One gate for every mailbox: an API fault holds all of them, logged once per change.
  const apiGate = new ApiGate({
    ...(probe ? { probe: (signal: AbortSignal) => probe(config, signal) } : {}),
    logger: logger.child({ component: 'api-gate' }),
    backoff: config.daemon.reconnect,
    // Outage time is kept across restarts: it never counts toward a mail's maxDeferredAgeMs.
    journal: { past: pastFaults, save: (r) => store.saveApiFault(r) },
    onChange: (h) => {
      metrics.apiUp.set({}, h.state === 'ok' ? 1 : 0);
      if (h.state === 'fault' && h.since !== lastFaultSince) {
        lastFaultSince = h.since;
        metrics.apiFaults.inc({ setting: h.setting ?? 'unknown' });
      }
    },
  });
  let lastFaultSince: string | null = null;
  const leases = leaseManagerFor(store, config, logger);
  if (leases) registerLeaseMetrics(metrics, () => leases.status());
  const supervisor = new Supervisor({
    config,
    store,
    ...(leases ? { leases } : {}),
    logger,
    metrics,
    apiGate,
    processMailFor: (mailbox) =>
      factory({ config, mailbox, logger: logger.child({ mailbox: mailbox.name }), sharedLogger: logger }),
  });

  const signals = deps.signals ?? process;
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  let signalled = 0;
  let resolveStop: () => void = () => {};
  const stopRequested = new Promise<void>((r) => {
    resolveStop = r;
  });
  const onSignal = (sig: string) => {
    signalled++;
    if (signalled === 1) {
      logger.info(
        { signal: sig, graceMs: config.daemon.shutdownGraceMs },
        'stopping: finishing mail in flight',
      );
      resolveStop();
    } else {
      logger.warn({ signal: sig }, 'second signal: exiting now');
      exit(130);
    }
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);

  let http: HealthServer | undefined;
  try {
    supervisor.start();
    if (config.daemon.http) {
      http = await startHealthServer({
        port: config.daemon.http.port,
        host: config.daemon.http.host,
        health: () => supervisor.health(),
        api: () => supervisor.apiHealth(),
        metrics,
        ...(leases ? { leases: () => supervisor.leaseStatus() } : {}),
      });
      logger.info(
        { port: http.port, host: config.daemon.http.host },
        'health and metrics endpoint listening',
      );
    }
    logger.info({ mailboxes: config.mailboxes.map((m) => m.name) }, 'mail2ticket daemon running');
    deps.onReady?.({ ...(http ? { httpPort: http.port } : {}), supervisor });
    await stopRequested;
    const result = await supervisor.stop();
    logger.info({ result }, 'stopped');
    return 0;
  } catch (err) {
    logger.error({ err: describeError(err) }, 'daemon failed');
    await supervisor.stop(0);
    return 1;
  } finally {
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onInt);
    await http?.close();
    await store.close();
  }
}
