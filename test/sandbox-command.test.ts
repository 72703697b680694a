import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSandboxArgs, sandboxCommand } from '../src/commands/sandbox.js';
import type { SandboxState } from '../src/sandbox/store.js';

const ROOT = resolve(import.meta.dirname, '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-sbcmd-'));
  writeFileSync(
    join(dir, 'runner.mjs'),
    `import { sandboxCommand } from ${JSON.stringify(join(ROOT, 'src/commands/sandbox.ts'))};\n` +
      'process.exitCode = await sandboxCommand(process.argv.slice(2));\n',
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      api: { baseUrl: 'http://127.0.0.1:1', auth: { scheme: 'soticket', ticket: { env: 'M2T_T' } } },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  return {
    write(c: string | Uint8Array) {
      text += String(c);
      return true;
    },
    get text() {
      return text;
    },
  };
}

describe('mail2ticket sandbox', () => {
  it('parses its arguments and rejects bad ones with a usage message', async () => {
    expect(parseSandboxArgs(['--port', '0', '--seed', 'a', 'b'])).toEqual({
      port: 0,
      host: '127.0.0.1',
      seed: ['a', 'b'],
    });
    expect(parseSandboxArgs(['--tenant', 'Cust12345'])).toMatchObject({ tenant: 'Cust12345' });
    const bad = sink();
    expect(await sandboxCommand(['--tenant', 'a/b'], { stdout: sink() as never, stderr: bad as never })).toBe(
      2,
    );
    expect(bad.text).toContain('invalid sandbox tenant');
    const err = sink();
    expect(await sandboxCommand(['--port', '70000'], { stdout: sink() as never, stderr: err as never })).toBe(
      2,
    );
    expect(err.text).toContain('--port must be');
    const err2 = sink();
    expect(
      await sandboxCommand(['--seed', join(dir, 'missing')], {
        stdout: sink() as never,
        stderr: err2 as never,
      }),
    ).toBe(2);
    expect(err2.text).toContain('no such file');
  });

  it('runs as a process: prints the api.baseUrl to paste, serves seeded state, accepts --config credentials, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(dir, 'runner.mjs'),
        '--port',
        '0',
        '--tenant',
        'Cust12345',
        '--config',
        join(dir, 'config.json'),
        '--seed',
        join(ROOT, 'fixtures/bounce-corpus/eml/arf-01.eml'),
      ],
      { cwd: ROOT, env: { ...process.env, M2T_T: '7T:cmdticket' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [apiUrl] = (await once(lines, 'line')) as [string];
      expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/Cust12345\/api$/);
      const origin = new URL(apiUrl).origin;
      const state = (await (await fetch(`${origin}/sandbox/state`)).json()) as SandboxState;
      expect(state.messages).toHaveLength(1);
      const id = state.messages[0]!.EjMessageId;
      const ok = await fetch(`${apiUrl}/v1/TicketMessage/${id}`, {
        headers: { authorization: 'SOTicket 7T:cmdticket' },
      });
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      const denied = await fetch(`${apiUrl}/v1/TicketMessage/${id}`, {
        headers: { authorization: 'SOTicket 7T:other' },
      });
      expect(denied.status).toBe(401);
      await denied.arrayBuffer();
      // The root is not the API when a tenant is set.
      const root = await fetch(`${origin}/api/v1/TicketMessage/${id}`, {
        headers: { authorization: 'SOTicket 7T:cmdticket' },
      });
      expect(root.status).toBe(404);
      await root.arrayBuffer();
      const tenant = (await (await fetch(`${origin}/api/state/Cust12345`)).json()) as { Api: string };
      expect(tenant.Api).toBe(apiUrl);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number];
      expect(code).toBe(0);
      expect(stderr).toContain(`paste ${apiUrl} as api.baseUrl`);
      expect(stderr).toContain('seeded 1 messages on 1 tickets');
      expect(stderr).not.toContain('7T:cmdticket');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('without --tenant, prints the root API URL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'runner.mjs'), '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [apiUrl] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      const res = await fetch(`${apiUrl}/v1/Ticket/1`);
      expect(res.status).toBe(401);
      await res.arrayBuffer();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(((await exited) as [number])[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
