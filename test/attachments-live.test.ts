import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SPOOL_DIR } from '../src/attachments/sink.js';
import type { MailResult } from '../src/pipeline.js';
import type { Faults } from '../src/sandbox/faults.js';
import type { SandboxState } from '../src/sandbox/store.js';
import { SqliteAttachmentStore } from '../src/state/attachments.js';
import { bytesOf, type FilePart, mailWithFiles, sha256 } from './helpers/attachment-mail.js';
import { replayLive, sandboxConfig, startSeededSandbox, stopSeededSandbox } from './helpers/live-replay.js';
import type { Sandbox } from './helpers/sandbox.js';

const MID = '<files-live@example.com>';

let dir: string;
let sb: Sandbox;
beforeEach(async () => {
  ({ dir, sb } = await startSeededSandbox(MID));
});
afterEach(() => stopSeededSandbox({ dir, sb }));

const inner = Buffer.from(
  'From: a@example.org\r\nSubject: forwarded\r\nMessage-ID: <in@example.org>\r\n\r\nhello\r\n',
);
const FILES: FilePart[] = [
  {
    headers: ['Content-Type: application/pdf', 'Content-Disposition: attachment; filename="invoice.pdf"'],
    content: bytesOf(200_000, 1),
  },
  {
    headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment'],
    content: inner,
    encoding: 'raw',
  },
  { headers: ['Content-Type: application/octet-stream; name="tool.exe"'], content: bytesOf(1000, 2) },
];

const config = (stateDir = join(dir, 'state')) => sandboxConfig(sb.apiUrl, stateDir);

async function run(stateDir?: string): Promise<MailResult> {
  writeFileSync(join(dir, 'mail', 'm.eml'), mailWithFiles(MID, FILES));
  const results = await replayLive(config(stateDir), [join(dir, 'mail')]);
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** Each allowed file on the message exactly once, with the mail's bytes; no row connected to nothing. */
function expectExactlyOnce(state: SandboxState): void {
  const msg = state.messages.find((m) => m.MessageId === MID)!;
  const want = [sha256(FILES[0]!.content), sha256(inner)].sort();
  expect(state.attachments.map((a) => a.sha256).sort()).toEqual(want);
  for (const a of state.attachments) expect(a.connectedTo).toEqual([msg.EjMessageId]);
}

const CONTENT = 'POST /Attachment/\\d+/Content';

describe('attachments reach SuperOffice exactly once', () => {
  it('uploads each allowed file once; a second run and a run without our records find them present', async () => {
    const first = await run();
    expect(first.outcome).toBe('updated');
    expect(first.decision!.attachments!.map((a) => [a.name, a.outcome])).toEqual([
      ['invoice.pdf', 'uploaded'],
      ['forwarded.eml', 'uploaded'],
      ['tool.exe', 'blocked'],
    ]);
    expectExactlyOnce(sb.state());
    const msg = sb.state().messages.find((m) => m.MessageId === MID)!;
    expect(msg.DebugInfo).toContain('tool.exe not uploaded: .exe is blocked');

    // a second replay: the mail was applied already, nothing is sent
    expect((await run()).outcome).toBe('duplicate');
    // a state directory without our records: found on the message's list by name and size
    const fresh = await run(join(dir, 'other-state'));
    expect(fresh.decision!.attachments!.map((a) => a.outcome)).toEqual(['present', 'present', 'blocked']);
    const s = sb.state();
    expectExactlyOnce(s);
    expect(s.counters.attachments).toBe(2);
    expect(s.counters.uploads).toBe(2);
    // every spool file is gone
    expect(readdirSync(join(dir, 'state', SPOOL_DIR))).toEqual([]);
  });

  it('the same file twice in one mail goes on the message once', async () => {
    const twice = [FILES[0]!, FILES[0]!];
    writeFileSync(join(dir, 'mail', 'm.eml'), mailWithFiles(MID, twice));
    const results = await replayLive(config(), [join(dir, 'mail')]);
    expect(results[0]!.decision!.attachments!.map((a) => a.outcome)).toEqual(['uploaded', 'present']);
    expect(sb.state().attachments).toHaveLength(1);
  });

  it('a 500 and a dropped connection in the middle of an upload are retried on the same row', async () => {
    sb.setFaults({ match: CONTENT, queue: ['500', 'drop-during'] });
    const r = await run();
    expect(r.outcome).toBe('updated');
    expect(r.decision!.attachments!.slice(0, 2).map((a) => a.outcome)).toEqual(['uploaded', 'uploaded']);
    const s = sb.state();
    expect(s.counters.faults).toMatchObject({ '500': 1, 'drop-during': 1 });
    expect(s.counters.attachments).toBe(2);
    expectExactlyOnce(s);
  });

  it('a fault that outlasts the retries defers the mail; the next run reuses the recorded row', async () => {
    const faults: Faults = { match: 'POST /TicketMessage/\\d+/Attachment', errorRate: 1 };
    sb.setFaults(faults);
    const held = await run();
    expect(held.outcome).toBe('deferred');
    let s = sb.state();
    expect(s.attachments).toHaveLength(1); // created and filled, not connected
    expect(s.attachments[0]!.connectedTo).toEqual([]);
    const records = new SqliteAttachmentStore(join(dir, 'state'));
    const msgId = s.messages.find((m) => m.MessageId === MID)!.EjMessageId;
    expect((await records.forMessage(msgId)).map((x) => [x.state, x.attachmentId])).toEqual([
      ['uploaded', s.attachments[0]!.AttachmentId],
    ]);
    await records.close();

    sb.setFaults({});
    const done = await run();
    expect(done.outcome).toBe('updated');
    s = sb.state();
    expect(s.counters.attachments).toBe(2); // the first row reused, the second created now
    expect(s.counters.uploads).toBe(2); // the reused row's content was complete: not sent again
    expectExactlyOnce(s);
  });

  it('a row whose content never arrived is filled before it is connected', async () => {
    sb.setFaults({ match: CONTENT, errorRate: 1 });
    expect((await run()).outcome).toBe('deferred');
    expect(sb.state().attachments.map((a) => a.size)).toEqual([0]);
    sb.setFaults({});
    expect((await run()).outcome).toBe('updated');
    expectExactlyOnce(sb.state());
    expect(sb.state().counters.attachments).toBe(2);
  });

  it('a file the API refuses for good is `failed` and noted in DebugInfo; the message is saved, not quarantined', async () => {
    sb.setFaults({ match: 'POST /Attachment$', queue: ['400'] });
    const r = await run();
    expect(r.outcome).toBe('updated');
    expect(r.decision!.attachments!.map((a) => a.outcome)).toEqual(['failed', 'uploaded', 'blocked']);
    const s = sb.state();
    expect(s.attachments).toHaveLength(1);
    const msg = s.messages.find((m) => m.MessageId === MID)!;
    expect(msg.DebugInfo).toMatch(/attachment invoice\.pdf refused: POST \/api\/v1\/Attachment answered 400/);
  });
});
