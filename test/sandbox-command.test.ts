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

  it('runs as a process: prints its URL, serves seeded state, accepts --config credentials, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(dir, 'runner.mjs'),
        '--port',
        '0',
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
      const [url] = (await once(lines, 'line')) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const state = (await (await fetch(`${url}/sandbox/state`)).json()) as SandboxState;
      expect(state.messages).toHaveLength(1);
      const id = state.messages[0]!.EjMessageId;
      const ok = await fetch(`${url}/api/v1/TicketMessage/${id}`, {
        headers: { authorization: 'SOTicket 7T:cmdticket' },
      });
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      const denied = await fetch(`${url}/api/v1/TicketMessage/${id}`, {
        headers: { authorization: 'SOTicket 7T:other' },
      });
      expect(denied.status).toBe(401);
      await denied.arrayBuffer();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number];
      expect(code).toBe(0);
      expect(stderr).toContain('seeded 1 messages on 1 tickets');
      expect(stderr).not.toContain('7T:cmdticket');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
