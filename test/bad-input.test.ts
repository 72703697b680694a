/**
 * Bad input (issue 2): every broken or hostile mail either maps with the problem noted in
 * decision.notes, or is quarantined with a stable code and a message that names the problem.
 * Nothing crashes, nothing hangs (vitest's timeouts are the hang guard; no durations are asserted).
 * Each input goes through the real parser, the real pipeline from a real file source, and the
 * real replay CLI in a child process.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext } from '../src/commands/context.js';
import { parseConfig } from '../src/config.js';
import { type ErrorCode, isMail2TicketError } from '../src/errors.js';
import { DEFAULT_LIMITS, type Limits, resolveLimits } from '../src/limits.js';
import { limitsSchema } from '../src/limits-schema.js';
import { parseMail } from '../src/parse/parse.js';
import { type MailResult, processMail } from '../src/pipeline.js';
import { fileInput } from '../src/sources/files.js';
import type { ParsedMail } from '../src/types.js';
import * as bad from './helpers/bad-mail.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STACK = /\n\s+at /;
const MiB = 1024 * 1024;

interface Case {
  name: string;
  make: () => Buffer;
  /** Codes acceptable when the mail is quarantined. */
  codes: ErrorCode[];
  /** What a quarantine message or a note must say about the problem. */
  says: RegExp;
  /** The mail is valid enough that it must map (never quarantine). */
  mustMap?: boolean;
  /** The mail cannot become a payload at all (must quarantine). */
  mustQuarantine?: boolean;
}

const CASES: Case[] = [
  { name: 'empty file', make: bad.emptyMail, codes: ['E_MAIL_EMPTY'], says: /empty/i, mustQuarantine: true },
  {
    name: 'truncated MIME',
    make: bad.truncatedMime,
    codes: ['E_MIME_MALFORMED'],
    says: /truncat|unexpected end|ended before|not closed|unterminated|closing (delimiter|boundary)/i,
  },
  {
    name: 'missing closing boundary',
    make: bad.missingClosingBoundary,
    codes: ['E_MIME_MALFORMED'],
    says: /truncat|unexpected end|ended before|not closed|unterminated|closing (delimiter|boundary)/i,
  },
  {
    name: '1 MiB header line',
    make: () => bad.hugeHeaderLine(MiB),
    codes: ['E_HEADER_TOO_LARGE'],
    says: /header/i,
  },
  {
    name: '10,000 header fields',
    make: () => bad.manyHeaders(10_000),
    codes: ['E_HEADER_TOO_LARGE'],
    says: /header field/i,
  },
  {
    name: 'MIME nested 100 deep (text at the bottom)',
    make: () => bad.deepMime(100),
    codes: ['E_MIME_TOO_DEEP'],
    says: /nest|deep|depth/i,
  },
  {
    name: 'MIME nested 100 deep (attachment at the bottom)',
    make: () => bad.deepMime(100, true),
    codes: ['E_MIME_TOO_DEEP'],
    says: /nest|deep|depth/i,
  },
  { name: 'NUL bytes', make: bad.nulBytes, codes: ['E_MIME_MALFORMED'], says: /NUL/ },
  {
    name: '1,500 MIME parts',
    make: () => bad.tooManyParts(1500),
    codes: ['E_MIME_TOO_MANY_PARTS'],
    says: /parts/i,
  },
  {
    name: 'binary garbage',
    make: () => bad.binaryGarbage(),
    codes: ['E_MIME_MALFORMED'],
    says: /header|malformed|not (a )?mail/i,
  },
];

let dir: string;
let runs = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-bad-input-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Run one mail through the real pipeline in dry-run, with a context of its own: the dry-run
 * context remembers Message-Ids (duplicate detection), and several tests here replay the same mail.
 */
async function pipelineRun(path: string, limits?: Limits): Promise<MailResult> {
  const config = parseConfig({ stateDir: join(dir, `state-${++runs}`), ...(limits ? { limits } : {}) });
  const built = await buildContext(config, { dryRun: true });
  try {
    return await processMail(fileInput(path), built.pipeline);
  } finally {
    await built.close();
  }
}

function fileName(c: Case): string {
  return `${c.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.eml`;
}

/** Parse; return the mail, or the error after checking it is a clear Mail2TicketError. */
async function parseOutcome(
  input: Buffer | Readable,
  limits?: Limits,
): Promise<ParsedMail | { code: string; message: string }> {
  try {
    return await parseMail(input, limits ? { limits } : {});
  } catch (err) {
    expect(isMail2TicketError(err), `parseMail threw a non-Mail2TicketError: ${String(err)}`).toBe(true);
    const e = err as { code: string; message: string };
    expect(e.message).not.toMatch(STACK);
    return { code: e.code, message: e.message };
  }
}

function checkResult(c: Case, result: MailResult): void {
  expect(['dry-run', 'quarantined']).toContain(result.outcome);
  if (result.outcome === 'quarantined') {
    expect(c.mustMap, `${c.name} must map, but was quarantined: ${JSON.stringify(result.error)}`).not.toBe(
      true,
    );
    expect(c.codes).toContain(result.error?.code);
    expect(result.error?.message).toMatch(c.says);
    expect(result.error?.message).not.toMatch(STACK);
    return;
  }
  expect(c.mustQuarantine, `${c.name} must be quarantined, but mapped`).not.toBe(true);
  expect(result.payload?.MessageId).toMatch(/^<.+>$/);
  const notes = result.decision?.notes ?? [];
  expect(
    notes.some((n) => c.says.test(n)),
    `no note about the problem in ${JSON.stringify(notes)}`,
  ).toBe(true);
}

describe.each(CASES)('bad input: $name', (c) => {
  it('parseMail returns a mail with the problem listed, or throws a clear Mail2TicketError', async () => {
    const got = await parseOutcome(c.make());
    if ('code' in got) {
      expect(c.codes).toContain(got.code);
      expect(got.message).toMatch(c.says);
    } else {
      expect(
        got.problems.some((p) => c.says.test(p)),
        `problems: ${JSON.stringify(got.problems)}`,
      ).toBe(true);
    }
  }, 120_000);

  it('the pipeline maps it with a note or quarantines it with a reason (from a file source)', async () => {
    const path = join(dir, fileName(c));
    writeFileSync(path, c.make());
    checkResult(c, await pipelineRun(path));
  }, 120_000);
});

describe('bad input: specific expectations', () => {
  it('a 1 MiB header line is quarantined by default, naming the header limit', async () => {
    const got = await parseOutcome(bad.hugeHeaderLine(MiB));
    expect(got).toMatchObject({ code: 'E_HEADER_TOO_LARGE' });
    expect((got as { message: string }).message).toMatch(String(DEFAULT_LIMITS.maxHeaderBytes));
  });

  it('the same mail maps when maxHeaderBytes is raised, keeping the long field whole', async () => {
    const limits = resolveLimits(limitsSchema.parse({ maxHeaderBytes: 4 * MiB }));
    const got = await parseOutcome(bad.hugeHeaderLine(MiB), limits);
    expect('code' in got, JSON.stringify(got).slice(0, 300)).toBe(false);
    const mail = got as ParsedMail;
    expect(mail.subject).toBe('Huge header line');
    expect(mail.headers.find((h) => h.name === 'X-Filler')?.value.length).toBe(MiB);
  });

  it('10,000 header fields keep the first maxHeaderFields plus the fields the pipeline reads', async () => {
    const got = await parseOutcome(bad.manyHeaders(10_000));
    expect('code' in got).toBe(false);
    const mail = got as ParsedMail;
    // the Content-Type after the flood is a field the pipeline reads: kept past the cap
    expect(mail.headers).toHaveLength(DEFAULT_LIMITS.maxHeaderFields + 1);
    expect(mail.headers.at(-1)?.name).toBe('Content-Type');
    expect(mail.subject).toBe('Ten thousand headers');
    const total = 10_000 + 7; // 4 common + Subject + Message-ID + Content-Type
    expect(mail.problems.join('\n')).toContain(
      `${total - DEFAULT_LIMITS.maxHeaderFields - 1} header field(s) beyond the limit of ${DEFAULT_LIMITS.maxHeaderFields} dropped`,
    );
    // EmailHeader is rebuilt from the kept fields only
    expect(mail.headerBlock).not.toContain(`X-Loop-Trace-${DEFAULT_LIMITS.maxHeaderFields}:`);
    expect(mail.headerBlock.split('\r\n').length - 1).toBe(DEFAULT_LIMITS.maxHeaderFields + 1);
  });

  it('a lower maxMimeDepth override is enforced and named in the message', async () => {
    const limits = resolveLimits(limitsSchema.parse({ maxMimeDepth: 5 }));
    const got = await parseOutcome(bad.deepMime(8, true), limits);
    expect(got).toMatchObject({ code: 'E_MIME_TOO_DEEP' });
    expect((got as { message: string }).message).toMatch(/5 levels/);
    // within the limit the same shape parses
    const ok = await parseOutcome(bad.deepMime(4, true), limits);
    expect('code' in ok).toBe(false);
  });

  it('NUL bytes map, with the note in the decision and the text kept around them', async () => {
    const path = join(dir, 'nul-specific.eml');
    writeFileSync(path, bad.nulBytes());
    const result = await pipelineRun(path);
    expect(result.outcome).toBe('dry-run');
    expect(result.decision?.notes).toContain('the mail contains NUL bytes');
    expect(result.payload?.Body).toContain('byte pair and after it more text');
  });

  it('the CLI replays a folder of bad mails: one NDJSON line each, good mail after them still maps', async () => {
    const cliDir = join(dir, 'cli');
    mkdirSync(cliDir);
    for (const [i, c] of CASES.entries()) {
      writeFileSync(join(cliDir, `${String(i).padStart(2, '0')}-${fileName(c)}`), c.make());
    }
    copyFileSync(join(root, 'fixtures/mail/001-plain-text-lf.eml'), join(cliDir, 'zz-good.eml'));
    const run = await runCli(['replay', '--dry-run', cliDir]);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MailResult);
    expect(lines).toHaveLength(CASES.length + 1);
    CASES.forEach((c, i) => {
      const r = lines[i]!;
      expect(r.source).toContain(fileName(c));
      checkResult(c, r);
    });
    expect(lines.at(-1)).toMatchObject({
      outcome: 'dry-run',
      source: expect.stringContaining('zz-good.eml'),
    });
  }, 300_000);
});

describe('bad input: a 60 MiB attachment', () => {
  const ATTACHMENT = 60 * MiB;
  let big: string;
  let bigSize: number;

  beforeAll(async () => {
    big = join(dir, 'big-attachment.eml');
    bigSize = await bad.writeBigAttachmentMail(big, ATTACHMENT);
  }, 300_000);

  it('parses from a stream: the attachment is drained and measured, the text kept', async () => {
    const got = await parseOutcome(createReadStream(big));
    expect('code' in got, JSON.stringify(got).slice(0, 300)).toBe(false);
    const mail = got as ParsedMail;
    expect(mail.size).toBe(bigSize);
    expect(mail.attachments).toEqual([
      { filename: 'dump.bin', contentType: 'application/octet-stream', size: ATTACHMENT },
    ]);
    expect(mail.text).toBe('The full server dump is attached.\n');
    expect(mail.problems).toEqual([]);
  }, 300_000);

  it('maps through the pipeline from a file source', async () => {
    const result = await pipelineRun(big);
    expect(result.outcome, JSON.stringify(result.error)).toBe('dry-run');
    expect(result.payload?.MessageId).toBe('<big-attachment-1@example.no>');
    expect(result.payload?.Body).toContain('The full server dump is attached.');
  }, 300_000);

  it('is quarantined as too large when maxMailBytes is lower, naming the limit', async () => {
    const result = await pipelineRun(big, resolveLimits(limitsSchema.parse({ maxMailBytes: 16 * MiB })));
    expect(result.outcome).toBe('quarantined');
    expect(result.error?.code).toBe('E_MAIL_TOO_LARGE');
    expect(result.error?.message).toMatch(/16777216 bytes \(maxMailBytes\)/);
  }, 300_000);

  it('a parse that outlives parseTimeoutMs is quarantined as a timeout, not left hanging', async () => {
    const result = await pipelineRun(big, resolveLimits(limitsSchema.parse({ parseTimeoutMs: 1 })));
    expect(result.outcome).toBe('quarantined');
    expect(result.error?.code).toBe('E_PARSE_TIMEOUT');
    expect(result.error?.message).toMatch(/1 ms/);
  }, 300_000);
});

describe('limits: overrides are validated', () => {
  it.each([
    ['zero', { maxMimeDepth: 0 }],
    ['a negative number', { maxHeaderBytes: -1 }],
    ['a non-integer', { maxMailBytes: 1.5 }],
    ['a numeric string', { maxMimeParts: '100' }],
    ['an unknown key', { maxMimeDeph: 10 }],
    ['a value above the sane maximum', { maxMimeDepth: 1_000_000 }],
    ['null', { parseTimeoutMs: null }],
  ])('limitsSchema rejects %s', (_what, value) => {
    expect(limitsSchema.safeParse(value).success).toBe(false);
  });

  it('accepts valid overrides and merges them over the named defaults', () => {
    const limits = resolveLimits(limitsSchema.parse({ maxMimeDepth: 10, maxInlineImageBytes: 0 }));
    expect(limits.maxMimeDepth).toBe(10);
    expect(limits.maxInlineImageBytes).toBe(0); // 0 is a real value here: "embed no inline images"
    expect(limits.maxHeaderBytes).toBe(DEFAULT_LIMITS.maxHeaderBytes);
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
  });

  it('a bad limit in the config file is reported with its path, never silently defaulted', () => {
    let caught: unknown;
    try {
      parseConfig({ limits: { maxMimeDepth: 0, maxHeaderBytes: 2.5 } });
    } catch (err) {
      caught = err;
    }
    expect(isMail2TicketError(caught)).toBe(true);
    const e = caught as { code: string; message: string };
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/limits\.maxMimeDepth/);
    expect(e.message).toMatch(/limits\.maxHeaderBytes/);
  });
});

/** Run the real CLI from source (tsx), collecting its output; resolves on exit. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}
