/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/
 * exposition_formats: "Text-based format"), so tests read /metrics by series, not by substring,
 * and a malformed line fails the test instead of being skipped. It checks what a scraper relies on:
 * the line grammar (names, label escapes, float values), one HELP and one TYPE per family before its
 * samples, the samples of a family together, and for histograms cumulative buckets ending in
 * `le="+Inf"` equal to `_count`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, Family>;
  /** The value of one series (exact label set), or undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The suffixes whose samples belong to the family without them (format spec, "Histograms and summaries"). */
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/**
 * A sample value. Prometheus reads it with Go's strconv.ParseFloat (expfmt's text parser), which
 * takes NaN and Inf in any case: prom-client writes a NaN as `Nan` (lib/registry.js), and a scraper
 * accepts it, so this does too.
 */
function parseValue(s: string, where: string): number {
  if (/^\+?inf(inity)?$/i.test(s)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(s)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(s)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s))
    throw new Error(`${where}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

/** Reads `{a="x",b="y\"z"}` starting at text[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(text: string, start: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    i = eq + 1;
    if (text[i] !== '"') throw new Error(`${where}: label ${name} value not quoted`);
    i++;
    let v = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[i + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else throw new Error(`${where}: bad escape \\${n}`);
        i += 2;
        continue;
      }
      v += c;
      i++;
    }
    labels[name] = v;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`${where}: expected ',' or '}' after label ${name}`);
  }
}

function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const [suffixType, suffixes] of Object.entries(SUFFIXES)) {
    for (const suf of suffixes) {
      if (!name.endsWith(suf)) continue;
      const f = families.get(name.slice(0, -suf.length));
      if (f?.type === suffixType) return f;
    }
  }
  return undefined;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const e = series.get(key) ?? { buckets: [] };
    series.set(key, e);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}_bucket without le`);
      e.buckets.push([parseValue(le, `${f.name} le`), s.value]);
    } else if (s.name === `${f.name}_count`) e.count = s.value;
  }
  for (const [key, e] of series) {
    const last = e.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${f.name}${key}: no le="+Inf" bucket`);
    if (last[1] !== e.count) throw new Error(`${f.name}${key}: +Inf bucket ${last[1]} != _count ${e.count}`);
    for (let i = 1; i < e.buckets.length; i++) {
      const [le0, c0] = e.buckets[i - 1]!;
      const [le1, c1] = e.buckets[i]!;
      if (!(le1 > le0) || c1 < c0) throw new Error(`${f.name}${key}: buckets not cumulative at le=${le1}`);
    }
  }
}

/** Parses and checks an exposition; throws with the line number on the first problem. */
export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) throw new Error(`${where}: bad metric name ${name}`);
      if (closed.has(name!)) throw new Error(`${where}: ${kind} for ${name} after its samples`);
      let f = families.get(name!);
      if (!f) {
        f = { name: name!, type: 'untyped', samples: [] };
        families.set(name!, f);
      }
      if (current && current !== f) closed.add(current.name);
      current = f;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (f.type !== 'untyped' || f.samples.length) throw new Error(`${where}: TYPE ${name} twice or late`);
        f.type = rest as Family['type'];
      } else {
        if (f.help !== undefined) throw new Error(`${where}: HELP ${name} twice`);
        f.help = rest;
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    const fields = line.slice(i).trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '')
      throw new Error(`${where}: bad sample ${line}`);
    const value = parseValue(fields[0]!, where);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`${where}: bad timestamp`);
    let f = familyOf(name, families);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    if (closed.has(f.name)) throw new Error(`${where}: samples of ${f.name} not together`);
    if (current && current !== f) closed.add(current.name);
    current = f;
    if (f.samples.some((s) => s.name === name && sameLabels(s.labels, labels)))
      throw new Error(`${where}: series ${name}${JSON.stringify(labels)} twice`);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter ${name} is ${value}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return {
    families,
    value(name, labels = {}) {
      return familyOf(name, families)?.samples.find((s) => s.name === name && sameLabels(s.labels, labels))
        ?.value;
    },
  };
}
