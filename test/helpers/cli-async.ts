import { spawn } from 'node:child_process';

const BIN = new URL('../../bin/mail2ticket.js', import.meta.url).pathname;

/**
 * The built CLI, run asynchronously: a sandbox or other server in the test's own process keeps
 * answering while the command runs (spawnSync would block it). `input` goes to its stdin.
 */
export function cliAsync(
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
