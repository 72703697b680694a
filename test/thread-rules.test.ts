import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mail2TicketError } from '../src/errors.js';
import { openSqliteIndex, type SqliteIndex } from '../src/state/sqlite.js';
import { type ThreadConfig, threadConfigSchema } from '../src/thread/config-schema.js';
import { isDuplicate, recordThreaded } from '../src/thread/recorder.js';
import { createResolver, type ThreadApi } from '../src/thread/resolver.js';
import { FORWARD_REFUSED, type ThreadInput, threadMail } from '../src/thread/thread.js';
import type { ThreadDecision } from '../src/types.js';

let dir: string;
let index: SqliteIndex;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-thread-'));
  index = openSqliteIndex({ stateDir: dir });
});
afterEach(async () => {
  await index.close();
  rmSync(dir, { recursive: true, force: true });
});

const cfg = (over: Partial<ThreadConfig> = {}): ThreadConfig => ({
  ...threadConfigSchema.parse({}),
  ...over,
});

function mail(messageId: string, over: Partial<ThreadInput> = {}): ThreadInput {
  return { messageId, subject: 'Printer on fire', from: 'ann@example.com', kind: 'message', ...over };
}

/** The pipeline's order: duplicate check, thread, (apply), record. */
async function processMail(
  input: ThreadInput,
  opts: { api?: ThreadApi; config?: ThreadConfig; ticketId?: number } = {},
): Promise<ThreadDecision | 'duplicate'> {
  if (await isDuplicate(index, input.messageId)) return 'duplicate';
  const resolver = createResolver({ index, ...(opts.api ? { api: opts.api } : {}) });
  const decision = await threadMail(input, resolver, opts.config ?? cfg());
  const ticketId = opts.ticketId ?? decision.ticketId;
  await recordThreaded(index, input, decision, ticketId === undefined ? {} : { ticketId });
  return decision;
}

/** A conversation on ticket 12: root from Ann, agent reply from support. */
async function ticket12(): Promise<void> {
  await processMail(mail('<root@cust.example>'), { ticketId: 12 });
  await processMail(
    mail('<r1@support.example>', {
      from: 'support@support.example',
      inReplyTo: '<root@cust.example>',
      references: '<root@cust.example>',
    }),
  );
}

describe('rule 1: In-Reply-To, then References newest first', () => {
  it('threads a reply by In-Reply-To onto the parent ticket', async () => {
    await ticket12();
    const d = await processMail(
      mail('<r2@cust.example>', {
        inReplyTo: '<r1@support.example>',
        references: '<root@cust.example> <r1@support.example>',
      }),
    );
    expect(d).toEqual({
      matchedBy: 'in-reply-to',
      parentMessageId: '<r1@support.example>',
      ticketId: 12,
      threadRoot: '<root@cust.example>',
      candidates: ['<r1@support.example>'],
    });
  });

  it('finds the root through References when the middle of the chain is missing', async () => {
    await ticket12();
    const d = await processMail(
      mail('<r4@cust.example>', {
        inReplyTo: '<r3-never-seen@support.example>',
        references: '<root@cust.example> <missing-middle@x.example>\r\n <r3-never-seen@support.example>',
      }),
    );
    expect(d).toMatchObject({
      matchedBy: 'references',
      parentMessageId: '<root@cust.example>',
      ticketId: 12,
    });
    expect((d as ThreadDecision).candidates).toEqual([
      '<r3-never-seen@support.example>',
      '<missing-middle@x.example>',
      '<root@cust.example>',
    ]);
    // The ids the reply named are now known to be ticket 12's: a later reply to the missing
    // middle message threads by In-Reply-To alone.
    const later = await processMail(mail('<r5@cust.example>', { inReplyTo: '<missing-middle@x.example>' }));
    expect(later).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 12 });
  });

  it('compares ids exactly: a different case in the local part is another message', async () => {
    await ticket12();
    const d = await processMail(mail('<r9@cust.example>', { inReplyTo: '<ROOT@cust.example>' }));
    expect(d).toMatchObject({ matchedBy: 'none', threadRoot: '<ROOT@cust.example>' });
    expect((d as ThreadDecision).ticketId).toBeUndefined();
  });

  it('accepts In-Reply-To without brackets and with comments', async () => {
    await ticket12();
    const d = await processMail(mail('<r10@cust.example>', { inReplyTo: 'r1@support.example (your reply)' }));
    expect(d).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 12 });
  });
});

describe('forwarded mail carrying someone else’s References', () => {
  const fwd = (id: string, from: string) =>
    mail(id, {
      subject: 'Fwd: Printer on fire',
      from,
      inReplyTo: '<r1@support.example>',
      references: '<root@cust.example> <r1@support.example>',
    });

  it('a stranger’s forward starts a new thread, and its References do not join it to the old one', async () => {
    await ticket12();
    const d = (await processMail(fwd('<fwd1@other.example>', 'zed@other.example'))) as ThreadDecision;
    expect(d.matchedBy).toBe('none');
    expect(d.ticketId).toBeUndefined();
    expect(d.threadRoot).toBe('<fwd1@other.example>');
    expect(d.rejected).toEqual([{ candidate: '<r1@support.example>', reason: FORWARD_REFUSED }]);
    // The stranger's follow-up replies to the forward: it stays on the stranger's thread.
    const follow = await processMail(
      mail('<fwd2@other.example>', {
        from: 'zed@other.example',
        subject: 'Re: Fwd: Printer on fire',
        inReplyTo: '<fwd1@other.example>',
        references: '<root@cust.example> <r1@support.example> <fwd1@other.example>',
      }),
    );
    expect(follow).toMatchObject({ matchedBy: 'in-reply-to', threadRoot: '<fwd1@other.example>' });
    expect((follow as ThreadDecision).ticketId).toBeUndefined();
    // ticket 12 is untouched: the original root still maps to it alone.
    expect(await index.getMessage('<root@cust.example>')).toMatchObject({ ticketId: 12 });
  });

  it('a participant’s forward stays on the ticket', async () => {
    await ticket12();
    const d = await processMail(fwd('<fwd3@cust.example>', 'ANN@example.com'));
    expect(d).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 12 });
  });

  it('can be switched off: then headers decide alone', async () => {
    await ticket12();
    const d = await processMail(fwd('<fwd4@other.example>', 'zed@other.example'), {
      config: cfg({ forwardRequiresParticipant: false }),
    });
    expect(d).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 12 });
  });
});

describe('rule 2: subject tag', () => {
  it('a tag for a ticket that does not exist does not count', async () => {
    await ticket12();
    const d = (await processMail(
      mail('<t1@cust.example>', { subject: 'Re: help ejTag: 999' }),
    )) as ThreadDecision;
    expect(d.matchedBy).toBe('none');
    expect(d.candidates).toEqual(['ejTag: 999']);
    expect(d.rejected?.[0]?.reason).toMatch(/ticket 999 does not exist/);
    // Live: the API says so too (ResolveTicketId answers null).
    const api: ThreadApi = { resolveTicket: async () => undefined };
    const live = await processMail(mail('<t2@cust.example>', { subject: 'ejTag: 998' }), { api });
    expect(live).toMatchObject({ matchedBy: 'none' });
  });

  it('a tag for a merged ticket resolves to the surviving ticket (index and API)', async () => {
    await ticket12();
    await index.putTicket({ ticketId: 12, survivingId: 40 });
    await index.putTicket({ ticketId: 40, survivingId: 41 });
    await index.putTicket({ ticketId: 41 });
    const d = await processMail(mail('<t3@cust.example>', { subject: 'Re: ejTag: 12' }));
    expect(d).toMatchObject({ matchedBy: 'subject-tag', ticketId: 41, candidates: ['ejTag: 12'] });

    const calls: number[] = [];
    const api: ThreadApi = {
      resolveTicket: async (id) => {
        calls.push(id);
        return id === 77 ? { ticketId: 78 } : undefined;
      },
    };
    const live = await processMail(mail('<t4@cust.example>', { subject: 'Re: [#77] x' }), {
      api,
      config: cfg({ tagPatterns: ['\\[#(\\d+)\\]'] }),
    });
    expect(live).toMatchObject({ matchedBy: 'subject-tag', ticketId: 78 });
    expect(calls).toEqual([77]);
    expect(await index.getTicket(77)).toEqual({ ticketId: 77, survivingId: 78 });
  });

  it('header matches also land on the surviving ticket of a merge', async () => {
    await ticket12();
    await index.putTicket({ ticketId: 12, survivingId: 40 });
    await index.putTicket({ ticketId: 40 });
    const d = await processMail(mail('<t5@cust.example>', { inReplyTo: '<r1@support.example>' }));
    expect(d).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 40 });
  });

  it('requireParticipant: a stranger’s tag does not count, a participant’s does', async () => {
    await ticket12();
    const config = cfg({ requireParticipant: true });
    const stranger = await processMail(
      mail('<t6@x.example>', { subject: 'ejTag: 12', from: 'eve@x.example' }),
      {
        config,
      },
    );
    expect(stranger).toMatchObject({ matchedBy: 'none' });
    expect((stranger as ThreadDecision).rejected?.[0]?.reason).toMatch(/not taken part in ticket 12/);
    const ann = await processMail(mail('<t7@cust.example>', { subject: 'ejTag: 12' }), { config });
    expect(ann).toMatchObject({ matchedBy: 'subject-tag', ticketId: 12 });
  });

  it('tagFirst: the tag wins over In-Reply-To, as SuperOffice’s setting does', async () => {
    await ticket12();
    await index.putTicket({ ticketId: 30 });
    const input = (id: string) => mail(id, { subject: 'Re: ejTag: 30', inReplyTo: '<r1@support.example>' });
    expect(await processMail(input('<t8@cust.example>'))).toMatchObject({
      matchedBy: 'in-reply-to',
      ticketId: 12,
    });
    expect(await processMail(input('<t9@cust.example>'), { config: cfg({ tagFirst: true }) })).toMatchObject({
      matchedBy: 'subject-tag',
      ticketId: 30,
    });
  });
});

describe('rule 3: bounce original', () => {
  it('a bounce of one of our own replies joins that reply’s ticket (known through the API)', async () => {
    await ticket12();
    // The agent's reply was sent by SuperOffice, not seen by the pipeline: the API knows it.
    const asked: string[] = [];
    const api: ThreadApi = {
      findMessage: async (id) => {
        asked.push(id);
        return id === '<agent-reply-7@so.example>' ? { ticketMessageId: 555, ticketId: 12 } : undefined;
      },
      resolveTicket: async (id) => ({ ticketId: id }),
    };
    const bounce = mail('<bounce1@mx.example>', {
      kind: 'bounce',
      from: 'MAILER-DAEMON@mx.example',
      subject: 'Undelivered Mail Returned to Sender',
      bounceOriginalMessageId: '<agent-reply-7@so.example>',
    });
    const d = await processMail(bounce, { api });
    expect(d).toMatchObject({
      matchedBy: 'bounce-original',
      parentMessageId: '<agent-reply-7@so.example>',
      ticketId: 12,
      candidates: ['<agent-reply-7@so.example>'],
    });
    expect(await index.getMessage('<agent-reply-7@so.example>')).toMatchObject({
      source: 'api',
      ticketId: 12,
      ticketMessageId: 555,
    });
    // A second bounce of the same reply is answered by the index, not the API.
    await processMail({ ...bounce, messageId: '<bounce2@mx.example>' }, { api });
    expect(asked).toEqual(['<agent-reply-7@so.example>']);
  });

  it('a bounce whose original is unknown starts a thread keyed by the original', async () => {
    const d = await processMail(
      mail('<bounce3@mx.example>', {
        kind: 'bounce',
        subject: 'failure',
        bounceOriginalMessageId: 'orig@so.example',
      }),
    );
    expect(d).toMatchObject({ matchedBy: 'none', threadRoot: '<orig@so.example>' });
    const again = await processMail(
      mail('<bounce4@mx.example>', {
        kind: 'delivery-delay',
        subject: 'delay',
        bounceOriginalMessageId: '<orig@so.example>',
      }),
    );
    expect(again).toMatchObject({ matchedBy: 'bounce-original', threadRoot: '<orig@so.example>' });
  });
});

describe('rule 4 and the edges', () => {
  it('a reply to a mail the pipeline never saw: new thread offline, parent ticket when the API knows it', async () => {
    const offline = (await processMail(
      mail('<n1@cust.example>', {
        inReplyTo: '<ghost@so.example>',
        references: '<ghost-root@so.example> <ghost@so.example>',
      }),
    )) as ThreadDecision;
    expect(offline).toEqual({
      matchedBy: 'none',
      threadRoot: '<ghost-root@so.example>',
      candidates: ['<ghost@so.example>', '<ghost-root@so.example>'],
    });
    const api: ThreadApi = {
      findMessage: async (id) =>
        id === '<seen-by-so@so.example>' ? { ticketMessageId: 9, ticketId: 70 } : undefined,
      resolveTicket: async (id) => ({ ticketId: id }),
    };
    const live = await processMail(mail('<n2@cust.example>', { inReplyTo: '<seen-by-so@so.example>' }), {
      api,
    });
    expect(live).toMatchObject({
      matchedBy: 'in-reply-to',
      ticketId: 70,
      parentMessageId: '<seen-by-so@so.example>',
    });
  });

  it('a parent that arrives after its reply joins the reply’s thread', async () => {
    const reply = await processMail(
      mail('<c@h>', { inReplyTo: '<b@h>', references: '<a@h> <b@h>', from: 'x@h' }),
    );
    expect(reply).toMatchObject({ matchedBy: 'none', threadRoot: '<a@h>' });
    const root = await processMail(mail('<a@h>', { from: 'y@h' }));
    expect(root).toMatchObject({ matchedBy: 'none', threadRoot: '<a@h>' });
    const middle = await processMail(mail('<b@h>', { inReplyTo: '<a@h>', references: '<a@h>', from: 'x@h' }));
    expect(middle).toMatchObject({ matchedBy: 'in-reply-to', threadRoot: '<a@h>', parentMessageId: '<a@h>' });
  });

  it('a reply linked only by In-Reply-To to a parent not yet seen is joined when the parent comes', async () => {
    await ticket12();
    const early = await processMail(mail('<x@cust.example>', { inReplyTo: '<p@support.example>' }));
    expect(early).toMatchObject({ matchedBy: 'none', threadRoot: '<p@support.example>' });
    const parent = await processMail(
      mail('<p@support.example>', {
        from: 'support@support.example',
        inReplyTo: '<root@cust.example>',
        references: '<root@cust.example>',
      }),
    );
    expect(parent).toMatchObject({ matchedBy: 'in-reply-to', ticketId: 12 });
    // The early reply's thread was joined to the parent's: a reply to it now lands on ticket 12.
    const late = await processMail(mail('<y@cust.example>', { inReplyTo: '<x@cust.example>' }));
    expect(late).toMatchObject({ matchedBy: 'in-reply-to', threadRoot: '<root@cust.example>' });
  });

  it('an API failure is not taken for "unknown": the error reaches the pipeline (which defers the mail)', async () => {
    const api: ThreadApi = {
      findMessage: async () => {
        throw new Mail2TicketError('E_API_HTTP', 'GET /api/v1/TicketMessage answered 503', {
          retryable: true,
        });
      },
    };
    await expect(
      processMail(mail('<e1@cust.example>', { inReplyTo: '<unknown@x>' }), { api }),
    ).rejects.toMatchObject({
      code: 'E_API_HTTP',
      retryable: true,
    });
    expect(await index.isProcessed('<e1@cust.example>')).toBe(false);
  });

  it('two mails with the same Message-Id: the second is a duplicate and changes nothing', async () => {
    await ticket12();
    const first = await processMail(mail('<dup@cust.example>', { inReplyTo: '<r1@support.example>' }));
    expect(first).toMatchObject({ ticketId: 12 });
    const before = await index.getMessage('<dup@cust.example>');
    // same id, written without brackets and with another body/subject/tag
    const second = await processMail(
      mail(' dup@cust.example ', { subject: 'ejTag: 5', from: 'eve@x.example' }),
    );
    expect(second).toBe('duplicate');
    expect(await index.getMessage('<dup@cust.example>')).toEqual(before);
    expect(await index.getParticipants({ ticketId: 12 })).not.toContain('eve@x.example');
  });

  it('caps API lookups per mail however many References a mail has', async () => {
    let calls = 0;
    const api: ThreadApi = {
      findMessage: async () => {
        calls++;
        return undefined;
      },
    };
    const refs = Array.from({ length: 300 }, (_, i) => `<gone${i}@old.example>`).join('\r\n ');
    const d = (await processMail(mail('<many@cust.example>', { references: refs }), {
      api,
      config: cfg({ maxApiLookups: 5 }),
    })) as ThreadDecision;
    expect(calls).toBe(5);
    // maxReferences (100) ids considered, newest first
    expect(d.candidates).toHaveLength(100);
    expect(d.candidates[0]).toBe('<gone299@old.example>');
    expect(d.matchedBy).toBe('none');
  });

  it('ignores where SuperOffice’s import put the mail itself (its own id found through the API)', async () => {
    await index.putMessage({
      messageId: '<self@cust.example>',
      threadRoot: '<self@cust.example>',
      ticketId: 90,
      source: 'api',
    });
    await index.putTicket({ ticketId: 90 });
    const d = await processMail(mail('<self@cust.example>'));
    expect(d).toMatchObject({ matchedBy: 'none', threadRoot: '<self@cust.example>' });
    expect((d as ThreadDecision).ticketId).toBeUndefined();
  });

  it('does not take a mail for its own parent', async () => {
    await processMail(mail('<loop@h>'), { ticketId: 3 });
    const d = await threadMail(
      mail('<loop@h>', { inReplyTo: '<loop@h>', references: '<loop@h>' }),
      createResolver({ index }),
      cfg(),
    );
    expect(d.candidates).toEqual([]);
  });
});
