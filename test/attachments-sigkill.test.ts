import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SPOOL_DIR } from '../src/attachments/sink.js';
import { SqliteAttachmentStore } from '../src/state/attachments.js';
import { cliAsync } from './helpers/cli-async.js';
import { bytesOf, mailWithFiles, seedMail, sha256 } from './helpers/attachment-mail.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

/**
 * SIGKILL of the built CLI between "row created" and "connected", then a restart: each file ends on
 * its message once, with the mail's bytes, and no Attachment row is left connected to nothing.
 * The sandbox's `hang` fault holds the chosen call open, so the kill lands exactly there.
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const MID = '<sigkill-files@example.com>';
const pdf = bytesOf(300_000, 21);
const csv = Buffer.from('a,b\n1,2\n');

let dir: string;
let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (ok()) return;
    await sleep(10);
  }
  throw new Error(`never happened: ${what}`);
}

describe('SIGKILL between "row created" and "connected", then a restart', () => {
  for (const [moment, match] of [
    ['while the content streams', 'POST /Attachment/\\d+/Content'],
    ['while the row is being connected', 'POST /TicketMessage/\\d+/Attachment$'],
  ] as const) {
    it(`killed ${moment}: each file once, identical sha256, no orphan rows`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'm2t-attach-kill-'));
      mkdirSync(join(dir, 'seed'));
      mkdirSync(join(dir, 'mail'));
      writeFileSync(join(dir, 'seed', 's.eml'), seedMail(MID));
      writeFileSync(
        join(dir, 'mail', 'm.eml'),
        mailWithFiles(MID, [
          { headers: ['Content-Type: application/pdf; name="scan.pdf"'], content: pdf },
          {
            headers: ['Content-Type: text/csv', 'Content-Disposition: attachment; filename="data.csv"'],
            content: csv,
          },
        ]),
      );
      sb = await startSandbox({ seed: [join(dir, 'seed')] });
      const stateDir = join(dir, 'state');
      const cfg = join(dir, 'config.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          stateDir,
          api: {
            baseUrl: sb.apiUrl,
            auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' },
            retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 20_000 },
          },
        }),
      );
      sb.setFaults({ match, queue: ['hang'] });
      const child = spawn(
        process.execPath,
        [BIN, 'replay', '--config', cfg, '--jobs', '1', '--quiet', join(dir, 'mail')],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await until('the call held', () => (sb!.state().counters.faults.hang ?? 0) === 1);
      child.kill('SIGKILL');
      await exited;

      // Killed: the row exists, is recorded, and is not connected yet; the spool files stay behind.
      const killed = sb.state();
      expect(killed.attachments).toHaveLength(1);
      expect(killed.attachments[0]!.connectedTo).toEqual([]);
      const msgId = killed.messages.find((m) => m.MessageId === MID)!.EjMessageId;
      const records = new SqliteAttachmentStore(stateDir);
      const rec = await records.forMessage(msgId);
      await records.close();
      expect(rec).toEqual([
        expect.objectContaining({ name: 'scan.pdf', attachmentId: killed.attachments[0]!.AttachmentId }),
      ]);
      expect(readdirSync(join(stateDir, SPOOL_DIR))).toEqual([String(child.pid)]);

      sb.setFaults({});
      const rerun = await cliAsync(['replay', '--config', cfg, '--jobs', '1', '--quiet', join(dir, 'mail')]);
      expect(rerun.code, rerun.stderr).toBe(0);
      const line = JSON.parse(rerun.stdout.trim().split('\n')[0]!);
      expect(line.outcome).toBe('updated');
      expect(line.decision.attachments.map((a: { outcome: string }) => a.outcome)).toEqual([
        'uploaded',
        'uploaded',
      ]);

      const s = sb.state();
      expect(s.attachments.map((a) => a.sha256).sort()).toEqual([sha256(pdf), sha256(csv)].sort());
      for (const a of s.attachments) expect(a.connectedTo).toEqual([msgId]); // no orphan, no second link
      expect(s.counters.attachments).toBe(2); // the killed row was reused, not created again
      // the dead process's spool is gone, and the rerun removed its own
      expect(existsSync(join(stateDir, SPOOL_DIR)) ? readdirSync(join(stateDir, SPOOL_DIR)) : []).toEqual([]);
    });
  }
});
