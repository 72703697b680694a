/**
 * The preview page's own CSS and script, inlined into every report (no external assets). The script
 * reads the records from `<script type="application/json" id="m2t-data">` and builds cards on
 * demand: 50 at a time as the list scrolls, and a card's details (the sandboxed body iframe
 * included) only when it is opened. It never uses innerHTML: every value goes in as text or as a
 * DOM property, so nothing a mail carries is ever parsed as the report's own HTML.
 */

/** The sandboxed body frame's own policy: nothing loads but `data:` images; inline styles apply. */
export const BODY_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export const PAGE_CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f5f6f8;--card:#fff;--accent:#0b5cad;
--sel:#e8f0fb;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0}
header.top{background:#16324f;color:#fff;padding:14px 20px}
header.top h1{font-size:20px;margin:0 0 4px}
header.top p{margin:0;color:#c9d6e6;font-size:13px}
.wrap{max-width:1180px;margin:0 auto;padding:0 16px}
.toolbar{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:10px 0}
.toolbar .wrap{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.toolbar input,.toolbar select{font:inherit;padding:6px 8px;border:1px solid #b8c0cc;border-radius:6px;background:#fff}
.toolbar input{flex:1 1 260px;min-width:0}
.toolbar .count{color:var(--muted);font-size:13px;margin-left:auto}
.keys{color:var(--muted);font-size:12px;margin:6px 0 0}
kbd{border:1px solid #b8c0cc;border-bottom-width:2px;border-radius:4px;padding:0 4px;font-size:11px;background:#fff}
#list{padding:12px 0 40px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:0 0 8px;overflow:hidden}
.card.sel{outline:2px solid var(--accent);outline-offset:-1px}
.card>.head{display:grid;grid-template-columns:auto 1fr auto;gap:4px 12px;width:100%;text-align:left;border:0;
background:none;padding:10px 14px;font:inherit;color:inherit;cursor:pointer}
.card>.head:hover,.card.sel>.head{background:var(--sel)}
.head .badges{grid-area:1/1;display:flex;gap:4px;flex-wrap:wrap;align-items:flex-start;min-width:150px}
.head .subj{grid-area:1/2;font-weight:600;overflow-wrap:anywhere}
.head .when{grid-area:1/3;color:var(--muted);font-size:13px;white-space:nowrap;text-align:right}
.head .who{grid-area:2/2;color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.head .tkt{grid-area:2/3;color:var(--muted);font-size:13px;text-align:right;overflow-wrap:anywhere;max-width:420px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap;
background:#e4e7ec;color:#333}
.k-bounce{background:#fde2e1;color:#8a1c15}.k-delivery-delay{background:#fff1cc;color:#6b4d00}
.k-delivery-report{background:#e5f3e0;color:#245c17}.k-out-of-office,.k-auto-reply{background:#ece4fb;color:#4b2a8a}
.k-feedback-report{background:#ffe3cc;color:#7a3300}.k-read-receipt{background:#dff3f7;color:#0e5563}
.k-message{background:#e1ecfa;color:#163e73}
.o-quarantined{background:#b42318;color:#fff}.o-deferred{background:#b54708;color:#fff}
.o-duplicate{background:#667085;color:#fff}.o-dry-run{background:#dfe7d8;color:#2b4b1e}
.detail{border-top:1px solid var(--line);padding:12px 14px 16px}
.detail h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:16px 0 6px}
.detail h3:first-child{margin-top:0}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);gap:2px 14px;margin:0;font-size:14px}
@media (max-width:900px){dl.meta{grid-template-columns:max-content minmax(0,1fr)}}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.err{background:#fef3f2;border:1px solid #fecdca;border-radius:6px;padding:8px 10px;color:#7a271a}
ul.notes{margin:0;padding-left:20px;font-size:14px}
.frame{resize:vertical;overflow:hidden;height:420px;min-height:120px;border:1px solid var(--line);border-radius:6px;background:#fff}
.frame iframe{width:100%;height:100%;border:0;display:block}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f8f9fb;border:1px solid var(--line);border-radius:6px;
padding:8px 10px;margin:0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:480px;overflow:auto}
pre.sig{color:var(--muted);border-style:dashed}
details{margin:6px 0}summary{cursor:pointer;color:var(--accent);font-size:14px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{text-align:left;border-bottom:1px solid var(--line);padding:4px 6px;vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600}
.more{display:block;margin:8px auto;font:inherit;padding:6px 14px;border-radius:6px;border:1px solid #b8c0cc;background:#fff}
.empty{color:var(--muted);text-align:center;padding:30px}
@media (max-width:640px){
:root{font-size:14px}
.card>.head{grid-template-columns:1fr;padding:10px}
.head .badges,.head .subj,.head .who,.head .tkt,.head .when{grid-area:auto;text-align:left;max-width:none}
dl.meta{grid-template-columns:1fr}dl.meta dt{margin-top:6px}
.frame{height:320px}
.toolbar .count{margin-left:0}
}
`;

/** The page's script: an IIFE with no globals; keep it ES2017 so any current browser runs it. */
export const PAGE_SCRIPT = `(function () {
'use strict';
var data = JSON.parse(document.getElementById('m2t-data').textContent);
var recs = data.records;
var canInflate = typeof DecompressionStream === 'function';
var BODY_CSP = data.bodyCsp;
var list = document.getElementById('list');
var q = document.getElementById('q');
var fKind = document.getElementById('f-kind');
var fOutcome = document.getElementById('f-outcome');
var countEl = document.getElementById('count');
var BATCH = 50;
var shown = [];
var rendered = 0;
var cur = -1;
var cards = [];
var more = null;

function kindOf(r) { return r.kind; }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function add(parent, child) { parent.appendChild(child); return child; }
function fmtSize(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MiB';
  if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
  return n + ' B';
}
function ticketOf(d) {
  var t = d.decision && d.decision.thread;
  if (!t) return '';
  if (t.ticketId !== undefined) return 'ticket #' + t.ticketId + ' (' + t.matchedBy + ')';
  if (t.matchedBy !== 'none') return 'thread of ' + (t.threadRoot || t.parentMessageId || '?') + ' (' + t.matchedBy + ')';
  return 'by Message-Id (no thread rule matched)';
}
var hay = recs.map(function (r) {
  return [r.subject, r.author, r.source, r.messageId, r.kind, r.outcome, r.error || '', r.ticket].join(' | ').toLowerCase();
});

/** A card's full record: base64 of gzipped JSON in its own script element, read on first open. */
function loadDetail(i) {
  var holder = document.getElementById('m2t-d-' + i);
  if (!holder || !canInflate) return Promise.reject(new Error(canInflate ? 'missing' : 'This browser cannot unpack the report (no DecompressionStream); use a current Chrome, Edge, Firefox or Safari.'));
  var bin = atob(holder.textContent.trim());
  var bytes = new Uint8Array(bin.length);
  for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text().then(JSON.parse);
}

function fillSelect(sel, key) {
  var counts = {};
  recs.forEach(function (r) { var k = key(r); counts[k] = (counts[k] || 0) + 1; });
  Object.keys(counts).sort().forEach(function (k) {
    var o = el('option', null, k + ' (' + counts[k] + ')');
    o.value = k;
    sel.appendChild(o);
  });
}
fillSelect(fKind, kindOf);
fillSelect(fOutcome, function (r) { return r.outcome; });

function badge(cls, text) { return el('span', 'badge ' + cls, text); }

function head(r, i) {
  var b = el('button', 'head');
  b.type = 'button';
  b.setAttribute('aria-expanded', 'false');
  var badges = add(b, el('span', 'badges'));
  add(badges, badge('k-' + kindOf(r), kindOf(r)));
  add(badges, badge('o-' + r.outcome, r.outcome));
  add(b, el('span', 'subj', r.subject || (r.parsed ? '(no subject)' : r.source)));
  add(b, el('span', 'when', r.date ? r.date.replace('T', ' ') : ''));
  add(b, el('span', 'who', r.parsed ? r.author || '(no author)' : r.error || ''));
  add(b, el('span', 'tkt', r.ticket));
  b.addEventListener('click', function () { select(shown.indexOf(i), false); toggle(i); });
  return b;
}

function card(i) {
  var r = recs[i];
  var c = el('article', 'card');
  c.dataset.i = String(i);
  c.dataset.kind = kindOf(r);
  c.dataset.outcome = r.outcome;
  add(c, head(r, i));
  cards[i] = c;
  return c;
}

function dl(rows) {
  var d = el('dl', 'meta');
  rows.forEach(function (row) {
    if (row[1] === undefined || row[1] === null || row[1] === '') return;
    add(d, el('dt', null, row[0]));
    add(d, el('dd', null, row[1]));
  });
  return d;
}

function table(heads, rows) {
  var t = el('table');
  var tr = add(add(t, el('thead')), el('tr'));
  heads.forEach(function (h) { add(tr, el('th', null, h)); });
  var tb = add(t, el('tbody'));
  rows.forEach(function (row) {
    var r = add(tb, el('tr'));
    row.forEach(function (v) { add(r, el('td', null, v)); });
  });
  return t;
}

function bodyDoc(html) {
  return '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="' +
    BODY_CSP + '"><style>body{margin:8px;font:14px/1.4 system-ui,sans-serif;color:#1d2330;overflow-wrap:anywhere}</style></head><body>' +
    html + '</body></html>';
}

function detail(r) {
  var p = r.payload;
  r.attachments = r.attachments || [];
  var d = r.decision;
  var box = el('div', 'detail');
  if (r.error) {
    add(box, el('h3', null, r.outcome === 'quarantined' ? 'Quarantined' : 'Error'));
    add(box, el('div', 'err', r.error.code + ': ' + r.error.message));
  }
  add(box, el('h3', null, 'Ticket message'));
  var th = d ? d.thread : null;
  add(box, dl([
    ['Source', r.source],
    ['Subject', p ? p.SearchTitle : ''],
    ['Author', p ? p.Author : ''],
    ['Date', p && p.CreatedAt ? p.CreatedAt + (d ? ' (from ' + d.createdAtSource + ')' : '') : (d ? 'none: left to SuperOffice' : '')],
    ['Message-Id', d ? d.messageId + (d.messageIdDerived ? ' (derived)' : '') : ''],
    ['Ticket', ticketOf(r)],
    ['Thread rule', th ? th.matchedBy : ''],
    ['Parent', th ? th.parentMessageId : ''],
    ['Candidates', th && th.candidates.length ? th.candidates.join(', ') : ''],
    ['Not taken', th && th.rejected ? th.rejected.map(function (x) { return x.candidate + ': ' + x.reason; }).join('; ') : ''],
    ['Category', p ? p.MessageCategory : ''],
    ['Type', p ? p.Type : ''],
    ['Slevel', p ? p.Slevel : ''],
    ['Important', p ? (p.Important ? 'yes' : 'no') : ''],
    ['Mail sorter', p ? p.MailSorter : ''],
  ].concat(p ? p.MessageHeaders.map(function (h) { return [h.Name, h.Value]; }) : [])));
  if (p && p.HtmlBody) {
    add(box, el('h3', null, 'HTML body (sanitised, as agents see it)'));
    var fr = add(box, el('div', 'frame'));
    var f = document.createElement('iframe');
    f.setAttribute('sandbox', '');
    f.setAttribute('referrerpolicy', 'no-referrer');
    f.setAttribute('title', 'HTML body of ' + (p.SearchTitle || r.source));
    f.srcdoc = bodyDoc(p.HtmlBody);
    fr.appendChild(f);
  }
  if (p) {
    add(box, el('h3', null, 'Text body'));
    var rp = d && d.reply;
    var body = p.Body;
    var from = rp && rp.quoted && typeof rp.quoted.from === 'number' ? rp.quoted.from : -1;
    add(box, el('pre', 'text', from >= 0 ? body.slice(0, from) : body));
    if (from >= 0) {
      var qd = add(box, el('details'));
      add(qd, el('summary', null, 'Quoted history' + (rp.quoted.header ? ': ' + rp.quoted.header : '')));
      add(qd, el('pre', 'quoted', body.slice(from)));
    }
    if (rp) {
      add(box, el('h3', null, 'Reply split: ' + rp.method + (rp.htmlMethod ? ' / html: ' + rp.htmlMethod : '')));
      add(box, el('pre', 'visible', rp.visibleText));
      if (rp.signature) add(box, el('pre', 'sig', rp.signature));
    }
  }
  if (d) {
    add(box, el('h3', null, 'Classification: ' + d.classification.kind));
    if (d.classification.evidence.length) {
      var ev = add(box, el('ul', 'notes'));
      d.classification.evidence.forEach(function (e) { add(ev, el('li', null, e)); });
    }
    var bounce = d.bounce || d.classification.bounce;
    if (bounce) {
      add(box, dl([
        ['Permanent', bounce.permanent === null ? 'unknown' : bounce.permanent ? 'yes' : 'no'],
        ['Original Message-Id', bounce.originalMessageId],
      ]));
      if (bounce.recipients.length) add(box, table(['Recipient', 'Status', 'Action', 'Reason', 'Diagnostic'],
        bounce.recipients.map(function (x) { return [x.address, x.status || '', x.action || '', x.reason || '', x.diagnostic || '']; })));
    }
    if (d.notes.length) {
      add(box, el('h3', null, 'Notes'));
      var ul = add(box, el('ul', 'notes'));
      d.notes.forEach(function (n) { add(ul, el('li', null, n)); });
    }
  }
  if (r.attachments.length) {
    add(box, el('h3', null, 'Attachments'));
    add(box, table(['Name', 'Type', 'Size', 'What happens'], r.attachments.map(function (a) {
      return [a.filename, a.contentType, fmtSize(a.size), a.fate];
    })));
  }
  if (p) {
    add(box, el('h3', null, 'DebugInfo'));
    add(box, el('pre', 'debug', p.DebugInfo));
    var hd = add(box, el('details'));
    add(hd, el('summary', null, 'Email header'));
    add(hd, el('pre', 'header', p.EmailHeader));
  }
  return box;
}

function toggle(i, open) {
  var c = cards[i];
  if (!c) return;
  var b = c.firstChild;
  var isOpen = b.getAttribute('aria-expanded') === 'true';
  if (open === undefined) open = !isOpen;
  if (open === isOpen) return;
  b.setAttribute('aria-expanded', open ? 'true' : 'false');
  if (!open) {
    if (c.childNodes.length > 1) c.removeChild(c.lastChild);
    return;
  }
  var box = add(c, el('div', 'detail', 'Loading…'));
  loadDetail(i).then(function (d) {
    d.source = recs[i].source;
    d.outcome = recs[i].outcome;
    if (box.parentNode === c) c.replaceChild(detail(d), box);
  }, function (err) {
    box.textContent = 'Cannot show this mail: ' + err.message;
  });
}

function renderMore() {
  var end = Math.min(shown.length, rendered + BATCH);
  var frag = document.createDocumentFragment();
  for (; rendered < end; rendered++) frag.appendChild(cards[shown[rendered]] || card(shown[rendered]));
  list.insertBefore(frag, more);
  more.hidden = rendered >= shown.length;
  more.textContent = 'Show more (' + (shown.length - rendered) + ' left)';
}

function apply() {
  var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
  var k = fKind.value;
  var o = fOutcome.value;
  shown = [];
  for (var i = 0; i < recs.length; i++) {
    if (k && kindOf(recs[i]) !== k) continue;
    if (o && recs[i].outcome !== o) continue;
    var h = hay[i];
    if (words.every(function (w) { return h.indexOf(w) >= 0; })) shown.push(i);
  }
  while (list.firstChild) list.removeChild(list.firstChild);
  more = el('button', 'more');
  more.type = 'button';
  more.addEventListener('click', renderMore);
  list.appendChild(more);
  if (!shown.length) list.insertBefore(el('p', 'empty', 'No mail matches.'), more);
  rendered = 0;
  cur = -1;
  renderMore();
  countEl.textContent = shown.length + ' of ' + recs.length + ' mails';
  if (observer) { observer.disconnect(); observer.observe(more); }
}

function select(n, scroll) {
  if (n < 0 || n >= shown.length) return;
  while (n >= rendered) renderMore();
  if (cur >= 0 && cards[shown[cur]]) cards[shown[cur]].classList.remove('sel');
  cur = n;
  var c = cards[shown[cur]];
  c.classList.add('sel');
  if (scroll !== false) {
    c.firstChild.focus({ preventScroll: true });
    c.scrollIntoView({ block: 'nearest' });
  }
}

var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (es) {
  if (es.some(function (e) { return e.isIntersecting; }) && rendered < shown.length) renderMore();
}, { rootMargin: '600px' }) : null;

q.addEventListener('input', apply);
fKind.addEventListener('change', apply);
fOutcome.addEventListener('change', apply);
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  var typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
  if (typing) {
    if (e.key === 'Escape' || (e.key === 'Enter' && t === q)) { t.blur(); if (shown.length) select(Math.max(cur, 0)); e.preventDefault(); }
    return;
  }
  if (e.key === 'j' || e.key === 'ArrowDown') { select(cur + 1); e.preventDefault(); }
  else if (e.key === 'k' || e.key === 'ArrowUp') { select(Math.max(cur - 1, 0)); e.preventDefault(); }
  else if ((e.key === 'Enter' || e.key === ' ') && t && t.tagName === 'BUTTON') return; // its own click
  else if ((e.key === 'Enter' || e.key === 'o' || e.key === ' ') && cur >= 0) { toggle(shown[cur]); e.preventDefault(); }
  else if (e.key === '/') { q.focus(); e.preventDefault(); }
});
apply();
document.body.dataset.ready = 'true';
})();
`;
