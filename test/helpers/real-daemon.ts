/**
 * `mail2ticket run` in this process, wired as the CLI wires it (the real pipeline, its API probe,
 * the imapflow source) against a real Dovecot and the sandbox, for tests that read its logs or
 * scrape its HTTP endpoint. Stopped with a SIGTERM from a private emitter, as a supervisor would.
 */
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineProcessMailFactory } from '../../src/commands/daemon-pipeline.js';
import { runCommand } from '../../src/commands/run.js';
import type { Logger } from '../../src/logger.js';
import { sandboxApiAuth } from '../../src/sandbox/auth.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import type { Dovecot } from './dovecot.js';

export interface RealDaemon {
  httpPort: number;
  /** SIGTERM, then the exit code of the run. */
  stop(): Promise<number>;
}

export async function startRealDaemon(o: {
  dovecot: Dovecot;
  sandbox: Sandbox;
  /** Directory for the config file and the state. */
  dir: string;
  logger: Logger;
  /** Dovecot users to run as mailboxes (named after the user). */
  users?: string[];
  /** Mailboxes configured as given (host and port are Dovecot's), e.g. one with a wrong password. */
  extraMailboxes?: Record<string, unknown>[];
  daemon?: Record<string, unknown>;
}): Promise<RealDaemon> {
  const users = o.users ?? o.dovecot.users.map((u) => u.user);
  const api = o.sandbox.tenant
    ? { tenant: o.sandbox.tenant, stateUrl: o.sandbox.url }
    : { baseUrl: `${o.sandbox.url}/api` };
  const config = {
    stateDir: join(o.dir, 'state'),
    api: { ...api, auth: sandboxApiAuth(), retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } },
    mailboxes: [
      ...users.map((user) => ({
        name: user,
        auth: { type: 'password', user, password: o.dovecot.users.find((u) => u.user === user)!.password },
      })),
      ...(o.extraMailboxes ?? []),
    ].map((mb) => ({ host: '127.0.0.1', port: o.dovecot.port, tls: { mode: 'none' }, ...mb })),
    daemon: {
      http: { port: 0 },
      maxAttempts: 1000,
      deferredRetryScheduleMs: [100],
      recheckIntervalMs: 2000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      ...o.daemon,
    },
  };
  const file = join(o.dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const pipeline = pipelineProcessMailFactory();
  const signals = new EventEmitter();
  let ready: (port: number) => void = () => {};
  const started = new Promise<number>((r) => {
    ready = r;
  });
  const run = runCommand(['--config', file], {
    processMailFactory: pipeline.factory,
    apiProbe: pipeline.probe,
    logger: o.logger,
    signals,
    onReady: (info) => ready(info.httpPort ?? 0),
  }).finally(() => pipeline.close());
  const httpPort = await Promise.race([
    started,
    run.then((code) => {
      throw new Error(`the daemon ended before it was ready (exit ${code})`);
    }),
  ]);
  return {
    httpPort,
    stop: () => {
      signals.emit('SIGTERM');
      return run;
    },
  };
}
