/**
 * The package as a user gets it: `npm pack`, installed into a fresh project outside this repository,
 * then used only through `import 'mail2ticket'`: a consumer file that uses every export and every
 * TypeScript example of docs/api.md type-check with the project's own `tsc`, and a consumer test (and
 * docs/api.md's worked example) run with the project's own vitest, live against the sandbox.
 *
 * Slow by nature (an npm install): one install for the whole file, its own long timeout.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALUE_EXPORTS } from './helpers/public-api.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MAIL = join(ROOT, 'fixtures/mail');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
};
/** A customer's thread, under the names docs/api.md's worked example uses. */
const THREAD = {
  '01-request.eml': '029-thread-b1-initial-thunderbird.eml',
  '02-reply.eml': '030-thread-b2-gmail-reply.eml',
  '03-reply-to-reply.eml': '031-thread-b3-reply-to-reply.eml',
  '04-references-only.eml': '032-thread-b4-references-only.eml',
};
const LONG = 600_000;

/** The environment without what `npm test` and vitest set for themselves (npm_config_*, VITEST, ...). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|FORCE_COLOR$)/i.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}) {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: cleanEnv(extra),
    timeout: LONG,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out: `${r.stdout}\n${r.stderr}` };
}

function ok(r: ReturnType<typeof run>, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out.slice(-6000)}`);
  return r.stdout;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * Every ```ts block of docs/api.md and of the README's "As a library" section: [file name, code].
 * A block whose first line is `// PATH` goes there (docs/api.md's worked example is run).
 */
function docsTsBlocks(): [string, string][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## As a library');
  const sections = {
    api: readFileSync(join(ROOT, 'docs/api.md'), 'utf8'),
    readme: start < 0 ? '' : readme.slice(start, readme.indexOf('\n## ', start + 1)),
  };
  return Object.entries(sections).flatMap(([doc, markdown]) =>
    [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m, i): [string, string] => {
      const code = m[1]!;
      const named = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1];
      return [named ?? `docs-examples/${doc}-${String(i + 1).padStart(2, '0')}.ts`, code];
    }),
  );
}

const CONSUMER_TS = `// Every export of the package root, used as a consumer would (type-checked, not run).
import * as root from 'mail2ticket';
import {
  type ApiConfigInput,
  type BounceInfo,
  type BounceRecipient,
  type Classification,
  type Config,
  type ConfigInput,
  type Decision,
  type ErrorCode,
  type ErrorSummary,
  type FaultKind,
  type Faults,
  isMail2TicketError,
  Mail2TicketError,
  type MailKind,
  type MailResult,
  type MailSource,
  type MappedMail,
  type MappedPayload,
  type MapMailOptions,
  mapMail,
  type MatchedBy,
  type Outcome,
  parseConfig,
  type ReplayOptions,
  replay,
  type Sandbox,
  type SandboxCounters,
  type SandboxOptions,
  type SandboxState,
  type SeedReport,
  startSandbox,
  type ThreadDecision,
  type TicketEntity,
  type TicketMessageEntity,
} from 'mail2ticket';
import pkg from 'mail2ticket/package.json' with { type: 'json' };
// @ts-expect-error internal modules are not exported
import { parseMail } from 'mail2ticket/dist/parse/parse.js';

export const values: (keyof typeof root)[] = ${JSON.stringify(VALUE_EXPORTS)};
export const version: string = pkg.version;
void parseMail;

const input: ConfigInput = { stateDir: 'state', mapping: { slevel: 'Internal' } };
const config: Config = parseConfig(input);
const fromText: Config = parseConfig('{"stateDir": "state"}');
const asInput: ConfigInput = config;
const source: MailSource = Buffer.from('Subject: hi\\r\\n\\r\\nhello\\r\\n');
const mapOptions: MapMailOptions = { config: fromText, source: 'hi.eml' };
const mapped: MappedMail = await mapMail(source, mapOptions);
const payload: MappedPayload = mapped.payload;
const decision: Decision = mapped.decision;
const classification: Classification = decision.classification;
const kind: MailKind = classification.kind;
const bounce: BounceInfo | undefined = classification.bounce;
const recipients: BounceRecipient[] = bounce?.recipients ?? [];
const thread: ThreadDecision = decision.thread;
const matchedBy: MatchedBy = thread.matchedBy;
await mapMail(new URL('file:///tmp/a.eml'));
await mapMail('a.eml');
await mapMail(new Uint8Array(0));

const faults: Faults = { errorRate: 0.1, queue: ['500', 'drop'] satisfies FaultKind[] };
const sandboxOptions: SandboxOptions = { seed: ['mail'], port: 0, tenant: 'Cust12345', faults };
const sandbox: Sandbox = await startSandbox(sandboxOptions);
const api: ApiConfigInput = sandbox.apiConfig;
const url: string = sandbox.url + sandbox.apiUrl;
const seeded: SeedReport | undefined = sandbox.seedReport;
sandbox.setFaults({});
const state: SandboxState = sandbox.state();
const counters: SandboxCounters = state.counters;
const ticketIds: number[] = state.messages.map((m) => m.TicketId);

const replayOptions: ReplayOptions = { dryRun: false, jobs: 2 };
const results: AsyncIterable<MailResult> = replay(['mail'], { ...asInput, api }, replayOptions);
for await (const r of results) {
  const outcome: Outcome = r.outcome;
  const error: ErrorSummary | undefined = r.error;
  const ticket: number | undefined = r.ticketId;
  void [outcome, error, ticket];
}
for await (const r of replay('mail', config, { dryRun: true })) void r;
await sandbox.close();

const entity: TicketMessageEntity = { EjMessageId: 1, Ticket: { TicketId: 2 } };
const ticket: TicketEntity = { TicketId: 2 };
try {
  throw new Mail2TicketError('E_USAGE', 'example', { retryable: false });
} catch (err) {
  if (isMail2TicketError(err)) {
    const code: ErrorCode = err.code;
    const summary: ErrorSummary = err.toJSON();
    void [code, summary];
  }
}
// @ts-expect-error not an error code
const notACode: ErrorCode = 'E_NOPE';
// @ts-expect-error replay needs a config
replay(['mail']);
export const used = [payload, kind, recipients, matchedBy, url, seeded, counters, ticketIds, entity, ticket, notACode];
`;

const CONSUMER_TEST = `import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMail2TicketError, type MailResult, mapMail, replay, startSandbox } from 'mail2ticket';
import { expect, test } from 'vitest';

const MAIL = fileURLToPath(new URL('./mail/', import.meta.url));
const config = { stateDir: fileURLToPath(new URL('../tmp/no-state', import.meta.url)) };

test('mapMail gives what a dry-run replay gives, from a path and from bytes', async () => {
  const path = MAIL + '02-reply.eml';
  const [record] = await collect(replay(path, config, { dryRun: true }));
  const mapped = await mapMail(path, { config });
  expect(mapped).toEqual({ payload: record!.payload, decision: record!.decision });
  expect(await mapMail(readFileSync(path), { config })).toEqual(mapped);
  expect(mapped.payload.MessageId).toBe('<CAH9pLm2vQ0x+T7kR4nZyS8dJ1wF6bA3eG5hU0cKoPqXr=Lm9Qg@mail.gmail.com>');
  const error = await mapMail(Buffer.alloc(0)).catch((e: unknown) => e);
  expect(isMail2TicketError(error) && error.code).toBe('E_MAIL_EMPTY');
});

test('replay with worker threads gives the same results as without', async () => {
  const one = await collect(replay(MAIL, config, { dryRun: true }));
  expect(one.map((r) => r.outcome)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dry-run']);
  expect(await collect(replay(MAIL, config, { dryRun: true, jobs: 2 }))).toEqual(one);
});

test('startSandbox + live replay: each mail lands on the ticket of its thread', async () => {
  const sandbox = await startSandbox({ seed: MAIL, tenant: 'Cust12345' });
  try {
    const stateDir = fileURLToPath(new URL('../tmp/live-state', import.meta.url));
    sandbox.setFaults({ queue: ['500', '429', 'drop'], retryAfterSeconds: 0 });
    const results = await collect(replay(MAIL, { stateDir, api: sandbox.apiConfig }));
    expect(results.map((r) => r.outcome)).toEqual(['updated', 'updated', 'updated', 're-threaded']);
    const ticket = results[0]!.ticketId!;
    expect(results.map((r) => r.ticketId)).toEqual([ticket, ticket, ticket, ticket]);
    const state = sandbox.state();
    expect(state.messages.map((m) => [m.TicketId, m.MailSorter])).toEqual(Array(4).fill([ticket, 'mail2ticket']));
    expect(state.counters.faults).toEqual({ 500: 1, 429: 1, drop: 1 });
  } finally {
    await sandbox.close();
  }
});

async function collect(results: AsyncIterable<MailResult>): Promise<MailResult[]> {
  const out: MailResult[] = [];
  for await (const r of results) out.push(r);
  return out;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    noEmit: true,
  },
  include: ['*.ts', 'test/**/*.ts', 'docs-examples/**/*.ts'],
};

describe('the packed package, installed in a fresh project', () => {
  let work: string;
  let proj: string;
  let tarball: string;
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const start = Date.now();
    try {
      return fn();
    } finally {
      timings[name] = Date.now() - start;
    }
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'm2t-package-'));
    proj = join(work, 'consumer');
    mkdirSync(join(proj, 'test/mail'), { recursive: true });

    // The tarball holds dist/ as built: build first when a source is newer than the build.
    const built = join(ROOT, 'dist/index.js');
    if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(ROOT, 'src'))) {
      timed('build', () => ok(run('npm', ['run', 'build'], ROOT), 'npm run build'));
    }
    const packed = timed('pack', () =>
      ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT), 'npm pack'),
    );
    tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);

    const dev = PKG.devDependencies;
    writeFileSync(
      join(proj, 'package.json'),
      `${JSON.stringify(
        {
          name: 'mail2ticket-consumer',
          private: true,
          type: 'module',
          ...(PKG.overrides ? { overrides: PKG.overrides } : {}),
        },
        null,
        2,
      )}\n`,
    );
    // Install scripts are skipped: better-sqlite3's would try to download a prebuilt binary (no
    // network here) and then compile SQLite from source, minutes of CPU. Its binary is the one this
    // repository's install built, for the same version and the same Node (or built here when not).
    timed('install', () =>
      ok(
        run(
          'npm',
          [
            'install',
            tarball,
            `typescript@${dev.typescript}`,
            `vitest@${dev.vitest}`,
            `@types/node@${dev['@types/node']}`,
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            '--ignore-scripts',
          ],
          proj,
        ),
        'npm install',
      ),
    );
    timed('better-sqlite3', () => {
      const ours = join(ROOT, 'node_modules/better-sqlite3');
      const theirs = join(proj, 'node_modules/better-sqlite3');
      const version = (dir: string) =>
        (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
      const binary = 'build/Release/better_sqlite3.node';
      if (
        !process.env.M2T_PACK_BUILD_SQLITE &&
        existsSync(join(ours, binary)) &&
        version(ours) === version(theirs)
      ) {
        mkdirSync(dirname(join(theirs, binary)), { recursive: true });
        copyFileSync(join(ours, binary), join(theirs, binary));
      } else {
        ok(
          run('npm', ['rebuild', 'better-sqlite3'], proj, { npm_config_build_from_source: 'true' }),
          'rebuild',
        );
      }
    });

    writeFileSync(join(proj, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    writeFileSync(join(proj, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(proj, 'test/consumer.test.ts'), CONSUMER_TEST);
    for (const [name, fixture] of Object.entries(THREAD))
      copyFileSync(join(MAIL, fixture), join(proj, 'test/mail', name));
    for (const [name, code] of docsTsBlocks()) {
      mkdirSync(dirname(join(proj, name)), { recursive: true });
      writeFileSync(join(proj, name), code);
    }
  }, LONG);

  afterAll(() => {
    // What it cost, for the record (docs/api.md's maintainers and CI's budget).
    console.info(`package test timings (ms): ${JSON.stringify(timings)}`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the build, the declarations, the changelog and docs/api.md, and no sources or tests', () => {
    const files = ok(run('tar', ['tzf', tarball], work), 'tar')
      .split('\n')
      .filter(Boolean);
    for (const f of [
      'bin/mail2ticket.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli.js',
      'CHANGELOG.md',
      'docs/api.md',
    ]) {
      expect(files, f).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(src|test|fixtures|scripts|bench)\//.test(f))).toEqual([]);
  });

  it('type-checks a consumer of every export and every TypeScript example of docs/api.md and the README', () => {
    const blocks = docsTsBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    expect(blocks.map(([name]) => name)).toContain('test/tickets.test.ts');
    expect(blocks.map(([name]) => name)).toContain('docs-examples/readme-01.ts');
    timed('tsc', () =>
      ok(run(join(proj, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.'], proj), 'tsc --noEmit'),
    );
  });

  it("runs a consumer test and docs/api.md's worked example with the project's vitest", () => {
    const r = timed('vitest', () =>
      run(
        join(proj, 'node_modules/.bin/vitest'),
        ['run', '--root', proj, '--testTimeout', '120000', '--hookTimeout', '120000'],
        proj,
      ),
    );
    expect(r.code, r.out.slice(-6000)).toBe(0);
    expect(r.stdout).toMatch(/Test Files\s+2 passed \(2\)/);
    expect(r.stdout).toMatch(/Tests\s+5 passed \(5\)/);
  });

  it('exports the root only: a deep import fails, for import and require alike', () => {
    const script = `
      const codes = [];
      try { require('mail2ticket/dist/parse/parse.js'); } catch (e) { codes.push(e.code); }
      import('mail2ticket/dist/parse/parse.js').catch((e) => { codes.push(e.code); console.log(codes.join()); });`;
    const r = run(process.execPath, ['-e', script], proj);
    expect(r.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED,ERR_PACKAGE_PATH_NOT_EXPORTED');
    const version = run(process.execPath, ['-p', "require('mail2ticket/package.json').version"], proj);
    expect(version.stdout.trim()).toBe(PKG.version);
  });

  it('loads with require() on this Node, without a warning, with the same exports', () => {
    writeFileSync(
      join(proj, 'require.cjs'),
      "console.log(Object.keys(require('mail2ticket')).sort().join());\n",
    );
    const r = run(process.execPath, ['require.cjs'], proj);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe([...VALUE_EXPORTS].sort().join());
  });

  it('runs nothing on import: no output, no open handles, no files written (sideEffects)', () => {
    const empty = mkdtempSync(join(work, 'cwd-'));
    // Once the loader's own file reads have settled, nothing the import started is left running.
    const script = `
      const m = await import('mail2ticket');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const left = process.getActiveResourcesInfo();
      const { readdirSync } = await import('node:fs');
      console.log(JSON.stringify({ exports: Object.keys(m).length, left, files: readdirSync('.') }));`;
    const r = run(
      process.execPath,
      ['--input-type=module', '-e', `process.chdir(${JSON.stringify(empty)});${script}`],
      proj,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ exports: VALUE_EXPORTS.length, left: [], files: [] });
  });

  it('keeps the bin working from the install', () => {
    const r = run(
      join(proj, 'node_modules/.bin/mail2ticket'),
      ['replay', '--dry-run', 'test/mail/01-request.eml'],
      proj,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('dry-run');
  });
});
