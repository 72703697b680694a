import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { PreviewRecord } from './collect.js';
import { BODY_CSP, PAGE_CSS, PAGE_SCRIPT } from './page.js';

export interface PreviewMeta {
  /** Shown as the page title and heading. */
  title: string;
  /** ISO date-time the report was made. */
  generatedAt: string;
  /** What was previewed (paths as given). */
  paths: string[];
}

/** Escape for an HTML text or double/single-quoted attribute context. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`-style
 * escapes (so no `</script>` or `<!--` can end or change the element), and U+2028/U+2029 too.
 * The result is still valid JSON that parses to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** What the list shows and searches before a card is opened: small, plain JSON. */
export interface PreviewSummary {
  source: string;
  outcome: string;
  kind: string;
  /** False when the mail never became a payload (quarantined while parsing or mapping). */
  parsed: boolean;
  subject: string;
  author: string;
  date: string;
  messageId: string;
  ticket: string;
  error: string;
}

/** A record ready for the page: its summary, and the full record as base64 of gzipped JSON. */
export interface PackedRecord {
  summary: PreviewSummary;
  detail: string;
}

export function ticketText(r: PreviewRecord): string {
  const t = r.decision?.thread;
  if (!t) return '';
  if (t.ticketId !== undefined) return `ticket #${t.ticketId} (${t.matchedBy})`;
  if (t.matchedBy !== 'none') return `thread of ${t.threadRoot ?? t.parentMessageId ?? '?'} (${t.matchedBy})`;
  return 'by Message-Id (no thread rule matched)';
}

/**
 * Pack one record. The full record (bodies, header, decision) is gzipped: the page unpacks it only
 * when its card is opened, so a report of thousands of mails loads as fast as its summaries.
 */
export function packRecord(r: PreviewRecord): PackedRecord {
  const { source, outcome, ...rest } = r;
  return {
    summary: {
      source,
      outcome,
      kind: r.decision?.classification.kind ?? 'unparsed',
      parsed: r.payload !== undefined,
      subject: r.payload?.SearchTitle ?? '',
      author: r.payload?.Author ?? '',
      date: r.payload?.CreatedAt ?? '',
      messageId: r.decision?.messageId ?? '',
      ticket: ticketText(r),
      error: r.error ? `${r.error.code}: ${r.error.message}` : '',
    },
    detail: gzipSync(JSON.stringify(rest), { level: 9 }).toString('base64'),
  };
}

function count(records: PackedRecord[], key: (r: PreviewSummary) => string): string {
  const m = new Map<string, number>();
  for (const r of records) m.set(key(r.summary), (m.get(key(r.summary)) ?? 0) + 1);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/**
 * The whole report as one HTML string: pure (same records, same bytes). The page's policy allows
 * only its own script (by hash), inline styles and `data:` images: the report loads nothing, and
 * sends nothing, wherever it is opened.
 */
export function renderPreview(records: PreviewRecord[], meta: PreviewMeta): string {
  return renderPacked(records.map(packRecord), meta);
}

/** The report from records already packed (the command packs as it goes, to hold less). */
export function renderPacked(records: PackedRecord[], meta: PreviewMeta): string {
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const kinds = count(records, (r) => r.kind);
  const outcomes = count(records, (r) => r.outcome);
  const data = jsonForScript({ bodyCsp: BODY_CSP, records: records.map((r) => r.summary) });
  // Base64 needs no escaping; one element per mail, looked up by id when its card opens.
  const details = records
    .map((r, i) => `<script type="application/x-m2t-gzip-base64" id="m2t-d-${i}">${r.detail}</script>`)
    .join('\n');
  const title = escapeHtml(meta.title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="top"><div class="wrap">
<h1>${title}</h1>
<p>${records.length} mail${records.length === 1 ? '' : 's'}: ${escapeHtml(outcomes || 'none')}${kinds ? ` · kinds: ${escapeHtml(kinds)}` : ''}</p>
<p>From ${escapeHtml(meta.paths.join(', '))} · made ${escapeHtml(meta.generatedAt)} by mail2ticket preview (a dry run: nothing was sent)</p>
</div></header>
<div class="toolbar"><div class="wrap">
<input id="q" type="search" placeholder="Search subject, author, Message-Id, ticket, error…" aria-label="Search" autocomplete="off">
<select id="f-kind" aria-label="Kind"><option value="">every kind</option></select>
<select id="f-outcome" aria-label="Outcome"><option value="">every outcome</option></select>
<span id="count" class="count"></span>
</div>
<div class="wrap"><p class="keys"><kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> move · <kbd>Enter</kbd> or <kbd>o</kbd> open · <kbd>/</kbd> search · <kbd>Esc</kbd> leave search</p></div>
</div>
<main class="wrap"><div id="list"><noscript><p class="empty">This report needs JavaScript to show its mails (the mails' own bodies never run any).</p></noscript></div></main>
<script type="application/json" id="m2t-data">${data}</script>
${details}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
