import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineProcessMailFactory } from '../src/commands/daemon-pipeline.js';
import { parseConfig } from '../src/config.js';
import { mailboxConfigSchema } from '../src/daemon/config-schema.js';
import { capturingLogger, startSandbox } from './helpers/sandbox.js';

const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;

/**
 * With many mailboxes sharing one live context (built for whichever mailbox came first), every
 * line about a mail must carry that mail's own mailbox and UID, the API client's lines included.
 */
describe('daemon logs name the mailbox and UID of each mail', () => {
  it('"ticket message saved" for a box2 mail says box2 and its UID, though box1 built the context', async () => {
    const a = join(FIXTURES, '001-plain-text-lf.eml');
    const b = join(FIXTURES, '003-gmail-multipart-alternative.eml');
    const sandbox = await startSandbox({ seed: [a, b] });
    const { logger, lines } = capturingLogger();
    const pipeline = pipelineProcessMailFactory();
    try {
      const config = parseConfig({
        stateDir: mkdtempSync(join(tmpdir(), 'm2t-logs-')),
        api: { baseUrl: sandbox.apiUrl, auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' } },
      });
      const mailbox = (name: string) =>
        mailboxConfigSchema.parse({
          name,
          host: '127.0.0.1',
          auth: { type: 'password', user: 'u', password: 'p' },
        });
      const box1 = pipeline.factory({
        config,
        mailbox: mailbox('box1'),
        logger: logger.child({ mailbox: 'box1' }),
      });
      const box2 = pipeline.factory({
        config,
        mailbox: mailbox('box2'),
        logger: logger.child({ mailbox: 'box2' }),
      });
      expect((await box1(readFileSync(a), { mailbox: 'box1', uid: 7 })).outcome).toBe('updated');
      expect((await box2(readFileSync(b), { mailbox: 'box2', uid: 42 })).outcome).toBe('updated');
      const saved = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'ticket message saved');
      expect(saved.map((l) => [l.mailbox, l.uid])).toEqual([
        ['box1', 7],
        ['box2', 42],
      ]);
      const api = lines.map((l) => JSON.parse(l)).filter((l) => l.component === 'api' && l.uid !== undefined);
      expect(api.length).toBeGreaterThan(0);
      for (const l of api) expect([l.mailbox, l.uid]).toEqual(l.uid === 7 ? ['box1', 7] : ['box2', 42]);
    } finally {
      await pipeline.close();
      await sandbox.close();
    }
  });
});
