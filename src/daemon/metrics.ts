/**
 * The daemon's Prometheus metrics, on prom-client (the Node standard operators already know).
 *
 * Each daemon has its own Registry, never prom-client's global one: tests and library users run
 * several daemons in one process, and two daemons must not share (or fight over) one counter.
 * The process metrics (CPU, memory, event-loop lag, GC, handles) describe the process, not a
 * daemon, so they are collected once per process into a private registry and the same metric
 * objects are registered in every daemon's registry: one event-loop monitor and one GC observer
 * however many daemons run, and nothing left running per daemon.
 */
import {
  Counter,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type LabelValues,
  type Metric,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

/** API latency buckets in seconds: a PUT is normally tens of ms, retries with backoff take seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Every metric of ours starts with this, so an extra gauge never collides with a process metric. */
export const METRIC_PREFIX = 'mail2ticket_';

let processRegistry: Registry | undefined;

/** The process metrics (prom-client's default set), collected once per process on first use. */
function processMetrics(): Metric[] {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  // Typed as MetricObject[] in prom-client's .d.ts, but the array holds the metric instances
  // themselves (lib/registry.js: Object.values(this._metrics)), which registerMetric takes.
  return processRegistry.getMetricsAsArray() as unknown as Metric[];
}

export interface DaemonMetricsOptions {
  /** Include the process metrics (default true). */
  processMetrics?: boolean;
}

/** A gauge another part of the daemon adds (e.g. mailbox leases); see DaemonMetrics.addGauge. */
export interface ExtraGauge<L extends string> {
  /** Must start with `mail2ticket_`. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Called on every scrape before the values are read: set the gauge from current state here. */
  collect?: (gauge: Gauge<L>) => void | Promise<void>;
}

export class DaemonMetrics {
  readonly registry = new Registry();

  readonly mails = new Counter({
    name: 'mail2ticket_mails_total',
    help: 'Mails finished, by mailbox, outcome and kind.',
    labelNames: ['mailbox', 'outcome', 'kind'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'mail2ticket_retries_total',
    help: 'Deferred mails scheduled for a retry.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'mail2ticket_reconnects_total',
    help: 'Connection attempts after a failure.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly idleWakeups = new Counter({
    name: 'mail2ticket_idle_wakeups_total',
    help: 'IDLE waits ended by new mail.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly connected = new Gauge({
    name: 'mail2ticket_mailbox_connected',
    help: '1 while the mailbox is connected.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'mail2ticket_mailbox_backlog',
    help: 'Mails found but not yet finished.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly apiUp = new Gauge({
    name: 'mail2ticket_api_up',
    help: '1 while the API answers, 0 while it (or its configuration) is at fault and mail is held.',
    registers: [this.registry],
  });
  readonly apiFaults = new Counter({
    name: 'mail2ticket_api_faults_total',
    help: 'Times the API went from answering to at fault, by the setting to check.',
    labelNames: ['setting'] as const,
    registers: [this.registry],
  });
  readonly apiHeld = new Counter({
    name: 'mail2ticket_api_held_total',
    help: 'Mails held (not counted as an attempt) because the API was at fault.',
    labelNames: ['mailbox'] as const,
    registers: [this.registry],
  });
  readonly apiLatency = new Histogram({
    name: 'mail2ticket_api_latency_seconds',
    help: 'Time to process one mail (parse, map and API PUT), by mailbox.',
    labelNames: ['mailbox'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(opts: DaemonMetricsOptions = {}) {
    if (opts.processMetrics !== false) {
      for (const m of processMetrics()) this.registry.registerMetric(m);
    }
  }

  /**
   * Registers one more gauge in this daemon's registry and returns it (a second call with the same
   * name throws: one owner per metric). Values are set by the caller, or at scrape time by
   * `collect` (cheap reads only: it runs on every scrape).
   */
  addGauge<L extends string = never>(g: ExtraGauge<L>): Gauge<L> {
    if (!g.name.startsWith(METRIC_PREFIX)) {
      throw new Error(`metric ${g.name}: names of mail2ticket's metrics start with ${METRIC_PREFIX}`);
    }
    const collect = g.collect;
    const config: GaugeConfiguration<L> = {
      name: g.name,
      help: g.help,
      labelNames: g.labelNames ?? [],
      registers: [this.registry],
      ...(collect
        ? {
            collect(this: Gauge<L>) {
              return collect(this);
            },
          }
        : {}),
    };
    return new Gauge(config);
  }

  /** The current value of one counter or gauge series (0 when never set); for tests and tools. */
  async value(metric: Counter<string> | Gauge<string>, labels: LabelValues<string> = {}): Promise<number> {
    const { values } = await metric.get();
    const want = Object.entries(labels);
    const hit = values.find(
      (v) =>
        Object.keys(v.labels).length === want.length &&
        want.every(([k, x]) => String(v.labels[k]) === String(x)),
    );
    return hit?.value ?? 0;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type for render()'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
