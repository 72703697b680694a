/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and one
 * histogram kind, label sets kept as sorted key strings. Hand-rolled to stay dependency-free.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

/** API latency buckets in seconds: a PUT is normally tens of ms, retries with backoff take seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Family {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(labels: Labels, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  get(labels: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (v <= b) s.counts[i]! += 1;
    });
    s.sum += v;
    s.count += 1;
  }
  count(labels: Labels): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class DaemonMetrics {
  readonly mails = new Family(
    'mail2ticket_mails_total',
    'Mails finished, by mailbox, outcome and kind.',
    'counter',
  );
  readonly retries = new Family(
    'mail2ticket_retries_total',
    'Deferred mails scheduled for a retry.',
    'counter',
  );
  readonly reconnects = new Family(
    'mail2ticket_reconnects_total',
    'Connection attempts after a failure.',
    'counter',
  );
  readonly idleWakeups = new Family(
    'mail2ticket_idle_wakeups_total',
    'IDLE waits ended by new mail.',
    'counter',
  );
  readonly connected = new Family(
    'mail2ticket_mailbox_connected',
    '1 while the mailbox is connected.',
    'gauge',
  );
  readonly backlog = new Family('mail2ticket_mailbox_backlog', 'Mails found but not yet finished.', 'gauge');
  readonly apiUp = new Family(
    'mail2ticket_api_up',
    '1 while the API answers, 0 while it (or its configuration) is at fault and mail is held.',
    'gauge',
  );
  readonly apiFaults = new Family(
    'mail2ticket_api_faults_total',
    'Times the API went from answering to at fault, by the setting to check.',
    'counter',
  );
  readonly apiHeld = new Family(
    'mail2ticket_api_held_total',
    'Mails held (not counted as an attempt) because the API was at fault.',
    'counter',
  );
  readonly apiLatency = new Histogram(
    'mail2ticket_api_latency_seconds',
    'Time to process one mail (parse, map and API PUT), by mailbox.',
    LATENCY_BUCKETS,
  );

  render(): string {
    const parts = [
      this.mails,
      this.retries,
      this.reconnects,
      this.idleWakeups,
      this.connected,
      this.backlog,
      this.apiUp,
      this.apiFaults,
      this.apiHeld,
    ].map((f) => f.render());
    parts.push(this.apiLatency.render());
    return `${parts.join('\n')}\n`;
  }
}
