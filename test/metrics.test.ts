import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../src/daemon/http.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { docFiles } from './helpers/doc-examples.js';
import { DOVECOT_PART, Dovecot } from './helpers/dovecot.js';
import { until } from './helpers/fake-source.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';
import { parseExposition } from './helpers/prom-text.js';
import { type RealPart, realPartsAvailable } from './helpers/real-parts.js';
import { startRealDaemon } from './helpers/real-daemon.js';
import { capturingLogger } from './helpers/sandbox.js';

/**
 * Issue 17, "metrics from the library operators already know": /metrics of a running daemon (real
 * Dovecot, the sandbox, the pipeline the CLI wires) carries every metric the docs promise, with
 * the documented type and labels, plus prom-client's process metrics; the text passes a strict
 * reading of the exposition format and Prometheus's own checker, `promtool check metrics`.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const PROMTOOL: RealPart = { name: 'promtool', path: '/usr/bin/promtool', install: 'prometheus' };
const available = realPartsAvailable(import.meta.url, DOVECOT_PART, PROMTOOL);

/** The table of docs/operator.md's "Metrics" section: name -> type and label names. */
function documentedTable(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of readFileSync(join(ROOT, 'docs/operator.md'), 'utf8').split('\n')) {
    const m = /^\| `(mail2ticket_[a-z_]+)` \| (counter|gauge|histogram) \|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1]!, { type: m[2]!, labels: [...m[3]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!) });
  }
  return rows;
}

/** Every `mail2ticket_...` metric name README.md and docs/*.md mention anywhere. */
function mentionedNames(): Set<string> {
  const names = new Set<string>();
  for (const f of docFiles(ROOT)) {
    for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/\bmail2ticket_[a-z][a-z_]*/g))
      names.add(m[0]);
  }
  return names;
}

describe('DaemonMetrics: one registry per daemon', () => {
  it('keeps two daemons apart, shows the process metrics in each, and takes extra gauges', async () => {
    const a = new DaemonMetrics();
    const b = new DaemonMetrics();
    a.mails.inc({ mailbox: 'x', outcome: 'updated', kind: 'message' });
    expect(await a.value(a.mails, { mailbox: 'x', outcome: 'updated', kind: 'message' })).toBe(1);
    expect(await b.value(b.mails, { mailbox: 'x', outcome: 'updated', kind: 'message' })).toBe(0);
    let leases = 2;
    a.addGauge({
      name: 'mail2ticket_test_leases',
      help: 'Leases held (test).',
      labelNames: ['mailbox'],
      collect: (g) => g.set({ mailbox: 'x' }, leases),
    });
    leases = 3; // collect reads the state at scrape time, not at registration
    const ea = parseExposition(await a.render());
    const eb = parseExposition(await b.render());
    expect(ea.value('mail2ticket_test_leases', { mailbox: 'x' })).toBe(3);
    expect(eb.families.has('mail2ticket_test_leases')).toBe(false);
    for (const e of [ea, eb]) expect(e.families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(() => a.addGauge({ name: 'leases', help: 'no prefix' })).toThrow(/start with mail2ticket_/);
    expect(() => a.addGauge({ name: 'mail2ticket_test_leases', help: 'again' })).toThrow(/already/);
    expect(
      new DaemonMetrics({ processMetrics: false }).registry.getSingleMetric('process_cpu_seconds_total'),
    ).toBe(undefined);
  });
});

describe('GET /metrics when an extra gauge cannot be read', () => {
  it('answers 500 with one line, and the next scrape works again', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    let broken = true;
    metrics.addGauge({
      name: 'mail2ticket_test_held',
      help: 'Read from a store that may fail (test).',
      collect: (g) => {
        if (broken) throw new Error('the lease table is locked');
        g.set(1);
      },
    });
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', health: () => [], metrics });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const bad = await fetch(url);
      expect([bad.status, await bad.text()]).toEqual([500, 'metrics: the lease table is locked\n']);
      broken = false;
      const good = await fetch(url);
      expect(good.status).toBe(200);
      expect(parseExposition(await good.text()).value('mail2ticket_test_held')).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!available)('GET /metrics of a running daemon (Dovecot + sandbox)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-metrics-'));
  const MAILS = 2;

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [{ user: 'frank', password: 'frank-pw-1234' }] });
    await dovecot.start();
    const seed = join(dir, 'seed');
    mkdirSync(seed);
    for (let n = 1; n <= MAILS; n++) writeFileSync(join(seed, `${n}.eml`), testMail(`metrics-${n}`));
    sandbox = await startSandbox({ seed: [seed] });
  });

  afterAll(async () => {
    await sandbox?.close();
    await dovecot?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has every documented metric with its type and labels, the process metrics, and passes promtool', async () => {
    // Mail first meets an API at fault (held, counted), then flows; "grace" never logs in.
    sandbox.setFaults({ errorRate: 1 });
    const daemon = await startRealDaemon({
      dovecot,
      sandbox,
      dir,
      logger: capturingLogger().logger,
      extraMailboxes: [
        { name: 'grace', auth: { type: 'password', user: 'grace', password: 'wrong-pw-1234' } },
      ],
    });
    const url = `http://127.0.0.1:${daemon.httpPort}/metrics`;
    const scrape = async () => parseExposition(await (await fetch(url)).text());
    let text: string;
    let contentType: string | null;
    try {
      const a = await new Appender(dovecot).connect();
      for (let n = 1; n <= MAILS; n++) await a.append(testMail(`metrics-${n}`));
      await a.close();
      await until(async () => (await scrape()).value('mail2ticket_api_up') === 0, 'the API at fault', 60_000);
      sandbox.setFaults({});
      const done = { mailbox: 'frank', outcome: 'updated', kind: 'message' };
      await until(
        async () => (await scrape()).value('mail2ticket_mails_total', done) === MAILS,
        'mails',
        60_000,
      );
      // "grace" fails its login on its own schedule (backoff, a loaded machine): wait for one refusal.
      await until(
        async () => ((await scrape()).value('mail2ticket_reconnects_total', { mailbox: 'grace' }) ?? 0) >= 1,
        'grace refused once',
        60_000,
      );
      const res = await fetch(url);
      contentType = res.headers.get('content-type');
      text = await res.text();
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const e = parseExposition(text);

    // Every name the docs mention is served; the operator.md table gives the type and labels.
    const table = documentedTable();
    expect([...table.keys()].sort()).toEqual([...mentionedNames()].sort());
    for (const [name, doc] of table) {
      const f = e.families.get(name);
      expect({ name, type: f?.type, help: Boolean(f?.help) }).toEqual({ name, type: doc.type, help: true });
      for (const s of f!.samples) {
        const labels = Object.keys(s.labels).filter((l) => !(doc.type === 'histogram' && l === 'le'));
        expect({ series: s.name, labels: labels.sort() }).toEqual({
          series: s.name,
          labels: [...doc.labels].sort(),
        });
      }
    }
    // What this run did, series by series.
    expect(
      e.value('mail2ticket_mails_total', { mailbox: 'frank', outcome: 'updated', kind: 'message' }),
    ).toBe(MAILS);
    // Every attempt is timed, the ones that met the API at fault too.
    const attempts = e.value('mail2ticket_api_latency_seconds_count', { mailbox: 'frank' });
    expect(attempts).toBeGreaterThanOrEqual(MAILS);
    expect(e.value('mail2ticket_api_latency_seconds_bucket', { mailbox: 'frank', le: '+Inf' })).toBe(
      attempts,
    );
    expect(e.value('mail2ticket_mailbox_connected', { mailbox: 'frank' })).toBe(1);
    expect(e.value('mail2ticket_mailbox_connected', { mailbox: 'grace' })).toBe(0);
    expect(e.value('mail2ticket_reconnects_total', { mailbox: 'grace' })).toBeGreaterThanOrEqual(1);
    expect(e.value('mail2ticket_mailbox_backlog', { mailbox: 'frank' })).toBe(0);
    expect(e.value('mail2ticket_api_up')).toBe(1);
    expect(e.value('mail2ticket_api_faults_total', { setting: 'unknown' })).toBe(1);
    expect(e.value('mail2ticket_api_held_total', { mailbox: 'frank' })).toBeGreaterThanOrEqual(1);

    // prom-client's process metrics (CPU, memory, event-loop lag, GC).
    expect(e.families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(e.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(e.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(e.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(e.families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(e.families.get('nodejs_gc_duration_seconds')?.type).toBe('histogram');

    // Prometheus's own checker: it parses (exit 1 would be a format error), and its lint finds
    // nothing in our metrics (prom-client's nodejs_active_*_total gauges are its own naming).
    const r = spawnSync(PROMTOOL.path, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
    expect(r.status === 0 || r.status === 3, problems.join('\n')).toBe(true);
    expect(
      problems.filter((p) => !/^nodejs_active_(handles|requests|resources)_total non-counter/.test(p)),
    ).toEqual([]);
  });
});
