import type { MailResult } from '../pipeline.js';
import { readSources } from '../sources/index.js';

/** Redraw at most this often (a fast replay does thousands of mails a second). */
const REDRAW_MS = 250;

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Count the mails under `paths` without parsing them (mbox files are scanned for `From ` lines). */
export async function countMails(paths: string[]): Promise<number> {
  let n = 0;
  for await (const _ of readSources(paths)) n++;
  return n;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number) => String(x).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * One updating line on a terminal: done/total, mails/s, ETA, counts by outcome. The total is counted
 * alongside the work (shown as "?" until known). `end()` erases the line, so the summary that
 * follows stands alone.
 */
export class ProgressLine {
  private done = 0;
  private total: number | undefined;
  private readonly outcomes = new Map<string, number>();
  private readonly started: number;
  private last = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    total: Promise<number> | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    total?.then(
      (t) => {
        this.total = t;
      },
      () => {},
    );
  }

  readonly add = (r: MailResult): void => {
    this.done++;
    this.outcomes.set(r.outcome, (this.outcomes.get(r.outcome) ?? 0) + 1);
    const t = this.now();
    if (this.drawn && t - this.last < REDRAW_MS) return;
    this.last = t;
    this.draw(t);
  };

  line(t = this.now()): string {
    const secs = (t - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const total = this.total === undefined ? '?' : String(this.total);
    const left = this.total === undefined ? Number.NaN : (this.total - this.done) / rate;
    const counts = [...this.outcomes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return `${this.done}/${total} mails  ${rate.toFixed(1)}/s  ETA ${rate > 0 ? clock(left) : '?'}  ${counts}`;
  }

  private draw(t: number): void {
    let text = this.line(t);
    const width = this.out.columns ?? 0;
    if (width > 10 && text.length >= width) text = `${text.slice(0, width - 2)}…`;
    this.out.write(`\r\x1b[K${text}`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
  }
}

/** A progress line for `stderr` when it is a terminal and not `quiet`; otherwise undefined. */
export function progressFor(
  stderr: ProgressStream,
  paths: string[],
  quiet: boolean,
): ProgressLine | undefined {
  if (quiet || stderr.isTTY !== true) return undefined;
  return new ProgressLine(stderr, countMails(paths));
}
