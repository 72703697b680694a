import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type Config, loadConfigFile } from '../config.js';
import type { MailboxConfig } from '../daemon/config-schema.js';
import type { StateStore } from '../daemon/mailbox-state.js';
import { openStateStore } from '../state/open.js';
import { type QuarantineReason, quarantineDir } from '../daemon/quarantine.js';
import { ACCEPTED_OUTCOMES } from '../daemon/types.js';
import { describeError, Mail2TicketError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { processStream } from '../pipeline.js';
import { mappingOptions } from './context.js';

export const QUARANTINE_USAGE =
  'usage: mail2ticket quarantine list|show ID|retry ID...|retry --all|drop ID [--yes] --config FILE';

export interface QuarantineIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** One quarantined mail: `<mailbox>/<uidvalidity>-<uid>`, its raw bytes and its reason. */
export interface QuarantineEntry {
  id: string;
  eml: string;
  json: string;
  reason: QuarantineReason;
}

const ID = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/(\d+-\d+)$/;

export function listQuarantine(stateDir: string): QuarantineEntry[] {
  const root = join(stateDir, 'quarantine');
  if (!existsSync(root)) return [];
  const out: QuarantineEntry[] = [];
  for (const mailbox of readdirSync(root).sort()) {
    const dir = quarantineDir(stateDir, mailbox);
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
      const base = f.slice(0, -5);
      const entry = readEntry(stateDir, `${mailbox}/${base}`);
      if (entry) out.push(entry);
    }
  }
  return out.sort((a, b) => (a.reason.quarantinedAt < b.reason.quarantinedAt ? -1 : 1));
}

function readEntry(stateDir: string, id: string): QuarantineEntry | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const dir = quarantineDir(stateDir, m[1]!);
  const json = join(dir, `${m[2]}.json`);
  const eml = join(dir, `${m[2]}.eml`);
  if (!existsSync(json) || !existsSync(eml)) return undefined;
  try {
    return { id, eml, json, reason: JSON.parse(readFileSync(json, 'utf8')) as QuarantineReason };
  } catch {
    return undefined;
  }
}

function entryOrThrow(stateDir: string, id: string): QuarantineEntry {
  if (!ID.test(id)) {
    throw new Mail2TicketError(
      'E_USAGE',
      `"${id}" is not a quarantine ID (MAILBOX/UIDVALIDITY-UID, see "quarantine list")`,
    );
  }
  const e = readEntry(stateDir, id);
  if (!e)
    throw new Mail2TicketError('E_USAGE', `no quarantined mail ${id} under ${join(stateDir, 'quarantine')}`);
  return e;
}

function oneLine(s: string, max = 100): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { config: { type: 'string' }, all: { type: 'boolean' }, yes: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new Mail2TicketError('E_USAGE', describeError(err).replace(/\. To specify.*$/s, ''));
  }
}

/** `mail2ticket quarantine`: list, show, retry or drop what the daemon quarantined. */
export async function quarantineCommand(argv: string[], io: QuarantineIo = process): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.stderr.write(`mail2ticket quarantine: ${describeError(err)}\n${QUARANTINE_USAGE}\n`);
    return 2;
  }
  const [action, ...ids] = args.positionals;
  const usage = (msg: string) => {
    io.stderr.write(`mail2ticket quarantine: ${msg}\n${QUARANTINE_USAGE}\n`);
    return 2;
  };
  if (!action || !['list', 'show', 'retry', 'drop'].includes(action)) {
    return usage(action ? `unknown action "${action}"` : 'missing action');
  }
  if (!args.values.config) return usage('--config FILE is required');
  if (action === 'list' && ids.length) return usage('list takes no ID');
  if (action === 'show' && ids.length !== 1) return usage('show takes one ID');
  if (action === 'drop' && ids.length !== 1) return usage('drop takes one ID');
  if (action === 'retry' && (args.values.all ? ids.length > 0 : ids.length === 0)) {
    return usage('retry takes IDs or --all');
  }
  let config: Config;
  try {
    config = loadConfigFile(args.values.config);
  } catch (err) {
    io.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }
  try {
    switch (action) {
      case 'list':
        return list(config, io);
      case 'show':
        return show(entryOrThrow(config.stateDir, ids[0]!), io);
      case 'drop':
        return await drop(entryOrThrow(config.stateDir, ids[0]!), args.values.yes === true, io);
      default: {
        const entries = args.values.all
          ? listQuarantine(config.stateDir)
          : ids.map((id) => entryOrThrow(config.stateDir, id));
        return await retry(config, entries, io);
      }
    }
  } catch (err) {
    io.stderr.write(`mail2ticket quarantine: ${describeError(err)}\n`);
    return err instanceof Mail2TicketError && err.code === 'E_USAGE' ? 2 : 1;
  }
}

function list(config: Config, io: QuarantineIo): number {
  const entries = listQuarantine(config.stateDir);
  if (entries.length === 0) {
    io.stdout.write('nothing quarantined\n');
    return 0;
  }
  for (const e of entries) {
    const r = e.reason;
    io.stdout.write(`${e.id}  ${r.quarantinedAt}  ${r.code}  ${oneLine(r.message, 80)}\n`);
  }
  io.stdout.write(`${entries.length} quarantined\n`);
  return 0;
}

function show(e: QuarantineEntry, io: QuarantineIo): number {
  const r = e.reason;
  const head = readFileSync(e.eml)
    .subarray(0, 64 * 1024)
    .toString('latin1');
  const header = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head.split(/\r?\n\r?\n/)[0] ?? '')?.[1];
  const rows: [string, string | number | undefined][] = [
    ['id', e.id],
    ['mailbox', `${r.mailbox} (folder ${r.folder}, UID ${r.uid}, UIDVALIDITY ${r.uidValidity})`],
    ['message-id', r.messageId],
    ['subject', header('Subject') && oneLine(header('Subject')!, 200)],
    ['from', header('From') && oneLine(header('From')!, 200)],
    ['code', r.code],
    ['reason', r.message],
    ['attempts', r.attempts],
    ['first seen', r.firstSeen],
    ['quarantined', r.quarantinedAt],
    ['on the server', r.serverAction],
    ['raw mail', e.eml],
  ];
  for (const [k, v] of rows) if (v !== undefined && v !== '') io.stdout.write(`${`${k}:`.padEnd(15)}${v}\n`);
  return 0;
}

async function drop(e: QuarantineEntry, yes: boolean, io: QuarantineIo): Promise<number> {
  const stdin = io.stdin ?? process.stdin;
  if (!yes) {
    if (!stdin.isTTY) {
      io.stderr.write(`mail2ticket quarantine: drop ${e.id} needs --yes when not run on a terminal\n`);
      return 2;
    }
    const rl = createInterface({ input: stdin, output: io.stderr });
    const answer = await rl.question(
      `Drop ${e.id} (${e.reason.code}) for good? The raw mail is deleted. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr.write('not dropped\n');
      return 1;
    }
  }
  rmSync(e.eml, { force: true });
  rmSync(e.json, { force: true });
  io.stdout.write(`dropped ${e.id}\n`);
  return 0;
}

/**
 * Run each stored mail through the live pipeline. Accepted: the record is removed, the daemon's
 * state says done, and the mail is flagged or moved on the server as `afterSuccess` says (when the
 * server cannot be reached now, the state keeps the action owed and the daemon does it on its next
 * connect). Otherwise the record stays, with the new outcome printed.
 */
async function retry(config: Config, entries: QuarantineEntry[], io: QuarantineIo): Promise<number> {
  if (entries.length === 0) {
    io.stdout.write('nothing quarantined\n');
    return 0;
  }
  const { buildLiveContext } = await import('./live-context.js');
  const live = await buildLiveContext(config);
  let store: StateStore | undefined;
  let failed = 0;
  try {
    for (const e of entries) {
      const r = e.reason;
      const mb = config.mailboxes.find((m) => m.name === r.mailbox);
      const pipeline = {
        ...live.pipeline,
        mapping: mappingOptions(config, {
          ...(mb?.slevel ? { slevel: mb.slevel } : {}),
          ...(mb?.mailSorter ? { mailSorter: mb.mailSorter } : {}),
        }),
      };
      const result = await processStream(
        `imap:${r.mailbox}/${r.folder}#${r.uid}`,
        Readable.from([readFileSync(e.eml)]),
        pipeline,
      );
      if (!ACCEPTED_OUTCOMES.has(result.outcome)) {
        failed++;
        const why = result.error ? `${result.error.code}: ${result.error.message}` : '';
        io.stdout.write(`${e.id}: ${result.outcome}${why ? ` (${why})` : ''}; kept in quarantine\n`);
        continue;
      }
      store ??= await openStateStore(config);
      const server = await settleOnServer(config, store, mb, r, result.outcome);
      rmSync(e.eml, { force: true });
      rmSync(e.json, { force: true });
      io.stdout.write(`${e.id}: ${result.outcome}; removed from quarantine; ${server}\n`);
    }
  } finally {
    await store?.close();
    await live.close();
  }
  return failed ? 1 : 0;
}

/** Record the mail as done and do `afterSuccess` on the server; returns what happened, in words. */
async function settleOnServer(
  config: Config,
  store: StateStore,
  mb: MailboxConfig | undefined,
  r: QuarantineReason,
  outcome: string,
): Promise<string> {
  if (!mb) return `mailbox "${r.mailbox}" is not in the config: nothing done on the server`;
  const state = store.mailbox(mb.name);
  const sameFolder = (await state.uidValidity()) === r.uidValidity;
  if (sameFolder) await state.markAccepted(r.uid, outcome, r.messageId, Date.now());
  const movedAway = !r.serverAction.startsWith('left in place');
  const { ImapMailSource } = await import('../imap/source.js');
  const { credentialsFor } = await import('../imap/connection.js');
  const i = config.mailboxes.indexOf(mb);
  const folder = movedAway ? mb.quarantineFolder : mb.folder;
  if (!folder) return 'the quarantine folder is no longer configured: nothing done on the server';
  const source = new ImapMailSource({
    mailbox: { ...mb, folder },
    where: `mailboxes.${i}`,
    credentials: credentialsFor(mb, `mailboxes.${i}`),
    logger: silentLogger(),
    socketTimeoutMs: Math.min(config.daemon.socketTimeoutMs, 60_000),
    spoolThresholdBytes: config.daemon.spoolThresholdBytes,
    spoolDir: join(config.stateDir, 'spool'),
  });
  try {
    const info = await source.open(new AbortController().signal);
    let uid: number | undefined;
    if (!movedAway) {
      uid = info.uidValidity === r.uidValidity ? r.uid : undefined;
    } else if (r.messageId) {
      // Moved to the quarantine folder under a new UID: find it by its Message-Id.
      for (const u of await source.listUids(1)) {
        if ((await source.fetchMeta(u))?.messageId === r.messageId) uid = u;
      }
    }
    if (uid === undefined || !(await source.fetchMeta(uid))) {
      if (sameFolder) await state.markApplied(r.uid);
      return `the mail is no longer in ${folder}: nothing done on the server`;
    }
    if (mb.afterSuccess === 'move' && mb.processedFolder) {
      await source.move(uid, mb.processedFolder);
    } else {
      await source.markSeen(uid);
    }
    if (sameFolder) await state.markApplied(r.uid);
    return mb.afterSuccess === 'move' ? `moved to ${mb.processedFolder}` : `flagged \\Seen in ${folder}`;
  } catch (err) {
    return `the server action is owed (${describeError(err)}); ${
      sameFolder && !movedAway ? 'the daemon does it when it next connects' : 'do it by hand'
    }`;
  } finally {
    await source.close();
  }
}
