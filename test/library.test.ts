import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import {
  type ConfigInput,
  isMail2TicketError,
  type Mail2TicketError,
  type MailResult,
  mapMail,
  parseConfig,
  replay,
  startSandbox,
} from '../src/index.js';
import { VALUE_EXPORTS } from './helpers/public-api.js';

const MAIL = new URL('../fixtures/mail/', import.meta.url).pathname;
const THREAD_B = [
  '029-thread-b1-initial-thunderbird.eml',
  '030-thread-b2-gmail-reply.eml',
  '031-thread-b3-reply-to-reply.eml',
  '032-thread-b4-references-only.eml',
].map((f) => join(MAIL, f));

const tmp = mkdtempSync(join(tmpdir(), 'm2t-library-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** A state folder that does not exist: nothing learned before, nothing written by a dry run. */
const config: ConfigInput = { stateDir: join(tmp, 'no-state') };

async function collect(results: AsyncIterable<MailResult>): Promise<MailResult[]> {
  const out: MailResult[] = [];
  for await (const r of results) out.push(r);
  return out;
}

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<Mail2TicketError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(isMail2TicketError(err)).toBe(true);
    return err as Mail2TicketError;
  }
  throw new Error('expected a Mail2TicketError');
}

describe('the package root', () => {
  it('exports exactly the public functions (everything else is types)', () => {
    expect(Object.keys(api).sort()).toEqual([...VALUE_EXPORTS].sort());
  });
});

describe('mapMail', () => {
  it('gives what replay --dry-run gives for the mail alone, from a path, URL, Buffer, Readable', async () => {
    for (const name of ['001-plain-text-lf.eml', '003-gmail-multipart-alternative.eml', THREAD_B[1]!]) {
      const path = name.startsWith('/') ? name : join(MAIL, name);
      const [record] = await collect(replay(path, config, { dryRun: true }));
      expect(record?.outcome).toBe('dry-run');
      const expected = { payload: record!.payload, decision: record!.decision };
      expect(await mapMail(path, { config })).toEqual(expected);
      expect(await mapMail(pathToFileURL(path), { config })).toEqual(expected);
      const bytes = readFileSync(path);
      expect(await mapMail(bytes, { config })).toEqual(expected);
      expect(await mapMail(new Uint8Array(bytes), { config })).toEqual(expected);
      expect(await mapMail(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]), { config })).toEqual(
        expected,
      );
    }
  });

  it('reports a mail that cannot become a payload with the code replay quarantines it with', async () => {
    const empty = await thrown(mapMail(Buffer.alloc(0), { config, source: 'empty.eml' }));
    expect(empty.code).toBe('E_MAIL_EMPTY');
    expect(empty.details).toEqual({ source: 'empty.eml', outcome: 'quarantined' });
    expect((await thrown(mapMail(join(tmp, 'missing.eml')))).code).toBe('E_USAGE');
    const mbox = join(tmp, 'two.mbox');
    writeFileSync(
      mbox,
      'From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\none\n\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: 2\n\ntwo\n',
    );
    expect((await thrown(mapMail(mbox, { config }))).message).toMatch(/more than one mail/);
    expect((await thrown(mapMail(42 as never))).code).toBe('E_USAGE');
  });
});

describe('parseConfig', () => {
  it('takes the object or the JSON text, fills defaults, and lists every problem', async () => {
    const fromText = parseConfig('{"stateDir":"/var/lib/m2t"}');
    expect(fromText).toEqual(parseConfig({ stateDir: '/var/lib/m2t' }));
    expect(fromText.mapping.mailSorter).toBe('mail2ticket');
    expect(parseConfig(fromText)).toEqual(fromText);
    const bad = await thrown(() => parseConfig({ stateDir: '', mapping: { slevel: 'Nope' } }));
    expect(bad.code).toBe('E_CONFIG');
    expect(bad.details?.problems).toHaveLength(2);
    expect((await thrown(() => parseConfig('{'))).message).toMatch(/not valid JSON/);
  });
});

describe('replay and startSandbox', () => {
  it('replays a thread live into a seeded sandbox: every mail lands on the first one’s ticket', async () => {
    const sb = await startSandbox({ seed: THREAD_B, tenant: 'Cust12345' });
    try {
      expect(sb.apiUrl).toBe(`${sb.url}/Cust12345/api`);
      expect(sb.seedReport).toMatchObject({ seeded: 4, skipped: [] });
      const results = await collect(replay(THREAD_B, { stateDir: join(tmp, 'live'), api: sb.apiConfig }));
      expect(results.map((r) => r.outcome)).toEqual(['updated', 'updated', 'updated', 're-threaded']);
      const ticket = results[0]!.ticketId;
      expect(ticket).toBeGreaterThan(0);
      expect(results.map((r) => r.ticketId)).toEqual([ticket, ticket, ticket, ticket]);
      const state = sb.state();
      expect(state.messages.map((m) => m.TicketId)).toEqual([ticket, ticket, ticket, ticket]);
      expect(state.counters.posts).toBe(0);
    } finally {
      await sb.close();
    }
  });

  it('stops with an API-scope error while the API fails (setFaults), quarantining nothing', async () => {
    const sb = await startSandbox({ seed: THREAD_B[0] });
    try {
      sb.setFaults({ queue: Array(10).fill('500') });
      const live: ConfigInput = {
        stateDir: join(tmp, 'faults'),
        api: { ...sb.apiConfig, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
      };
      // A 5xx streak that the probe confirms is the API's fault, not the mail's (issue 13): the
      // results end with a Mail2TicketError of scope 'api' before any result: no quarantined record.
      const results: unknown[] = [];
      const stop = await thrown(async () => {
        for await (const r of replay(THREAD_B[0]!, live)) results.push(r);
      });
      expect(results).toEqual([]);
      expect(isMail2TicketError(stop)).toBe(true);
      expect(stop).toMatchObject({ code: 'E_API_HTTP', scope: 'api' });
      sb.setFaults({});
      const [again] = await collect(replay(THREAD_B[0]!, live));
      expect(again?.outcome).toBe('updated');
    } finally {
      await sb.close();
    }
  });

  it('checks its arguments: at once for config and options, on the first result for paths', async () => {
    expect((await thrown(() => replay(MAIL, {}))).code).toBe('E_CONFIG'); // live without "api"
    expect((await thrown(() => replay([], {}, { dryRun: true }))).code).toBe('E_USAGE');
    expect((await thrown(() => replay(MAIL, {}, { dryRun: true, jobs: 0 }))).code).toBe('E_USAGE');
    expect((await thrown(() => replay(MAIL, { stateDir: 7 } as never, { dryRun: true }))).code).toBe(
      'E_CONFIG',
    );
    const missing = replay(join(tmp, 'nope'), config, { dryRun: true });
    expect((await thrown(collect(missing))).message).toMatch(/no such file or directory/);
  });

  it('stops where the consumer breaks', async () => {
    let seen = 0;
    for await (const r of replay(MAIL, config, { dryRun: true })) {
      expect(r.outcome).toBe('dry-run');
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    // Worker threads (jobs > 1) run the built files: test/package.test.ts replays with them.
  });
});
