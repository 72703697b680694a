import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { until } from './helpers/fake-source.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';
import { startRealDaemon } from './helpers/real-daemon.js';
import { capturingLogger } from './helpers/sandbox.js';

/**
 * Issue 17, "Logs name the right mailbox": a daemon of three mailboxes shares one API context.
 * Every line about a mail carries that mail's mailbox and UID; the lines about no mail (tenant
 * resolution, the gate's probe and its retries, the API going at fault and back) carry no
 * mailbox at all, where they used to carry whichever mailbox built the shared context.
 */
const available = dovecotAvailable(import.meta.url);
const BOXES = ['box1', 'box2', 'box3'];
const PER_BOX = 2;

interface Line {
  msg?: string;
  mailbox?: string;
  uid?: number;
  component?: string;
  messageId?: string;
  level: number;
}

describe.skipIf(!available)('a daemon of three mailboxes logs each line under its own mailbox', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-logs-daemon-'));

  beforeAll(async () => {
    dovecot = new Dovecot({ users: BOXES.map((user) => ({ user, password: `${user}-pw-1234` })) });
    await dovecot.start();
    const seed = join(dir, 'seed');
    mkdirSync(seed);
    for (const box of BOXES)
      for (let n = 1; n <= PER_BOX; n++)
        writeFileSync(join(seed, `${box}-${n}.eml`), testMail(`${box}-${n}`));
    // Served under a tenant: the client asks the state service for the endpoint (a shared step).
    sandbox = await startSandbox({ seed: [seed], tenant: 'Cust12345' });
  });

  afterAll(async () => {
    await sandbox?.close();
    await dovecot?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mail lines carry their mailbox and UID; API lines outside a mail carry none', async () => {
    // Every API call answers 500 until the gate has declared the API at fault.
    sandbox.setFaults({ errorRate: 1 });
    const { logger, lines } = capturingLogger();
    const parsed = () => lines.map((l) => JSON.parse(l) as Line);
    const daemon = await startRealDaemon({ dovecot, sandbox, dir, logger });
    try {
      for (const box of BOXES) {
        const a = await new Appender(
          dovecot,
          dovecot.users.find((u) => u.user === box),
        ).connect();
        for (let n = 1; n <= PER_BOX; n++) await a.append(testMail(`${box}-${n}`));
        await a.close();
      }
      await until(() => parsed().some((l) => l.msg?.startsWith('API at fault')), 'the API at fault', 60_000);
      sandbox.setFaults({});
      await until(
        () => parsed().filter((l) => l.msg === 'ticket message saved').length === BOXES.length * PER_BOX,
        'every mail saved',
        60_000,
      );
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    const all = parsed();

    // A pino child given a key its parent already bound writes the key twice: no line may.
    for (const raw of lines) expect(raw.match(/"component":/g)?.length ?? 0).toBeLessThanOrEqual(1);

    // Lines about one mail: the mailbox is the one the mail was appended to, and a UID is there.
    const aboutMail = all.filter((l) => l.messageId !== undefined);
    const saved = aboutMail.filter((l) => l.msg === 'ticket message saved');
    expect(saved).toHaveLength(BOXES.length * PER_BOX);
    for (const l of aboutMail) {
      const box = /^<mail-(box\d)-\d@test\.example>$/.exec(l.messageId!)?.[1];
      expect({ messageId: l.messageId, mailbox: l.mailbox }).toEqual({
        messageId: l.messageId,
        mailbox: box,
      });
      expect(l.uid).toBeGreaterThanOrEqual(1);
    }
    expect(new Set(saved.map((l) => l.mailbox))).toEqual(new Set(BOXES));

    // Lines about no mail, from the shared API context and the gate.
    const shared = all.filter(
      (l) => (l.component === 'api' || l.component === 'api-gate') && l.uid === undefined,
    );
    const byMsg = (test: (m: string) => boolean) => shared.filter((l) => test(l.msg ?? ''));
    expect(byMsg((m) => m === 'tenant endpoint')).toHaveLength(1);
    expect(byMsg((m) => m.startsWith('API at fault'))).toHaveLength(1);
    expect(byMsg((m) => m === 'API answers again; resuming')).toHaveLength(1);
    // The probe's own retries (the client's retry warnings while no mail is in flight).
    expect(shared.filter((l) => l.component === 'api' && l.level === 40).length).toBeGreaterThan(0);
    for (const l of shared)
      expect({ msg: l.msg, mailbox: l.mailbox }).toEqual({ msg: l.msg, mailbox: undefined });

    // And the lines of the API client within a mail name that mail.
    const apiInMail = all.filter((l) => l.component === 'api' && l.uid !== undefined);
    expect(apiInMail.length).toBeGreaterThan(0);
    for (const l of apiInMail) expect(BOXES).toContain(l.mailbox);
  });
});
