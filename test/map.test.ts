import { describe, expect, it } from 'vitest';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig, parseConfig } from '../src/config.js';
import { mapMail } from '../src/map/map.js';
import { parseMail } from '../src/parse/parse.js';
import type { Classification, ThreadDecision } from '../src/types.js';

const message: Classification = { kind: 'message', evidence: [] };
const none: ThreadDecision = { matchedBy: 'none', candidates: [] };

async function map(raw: string, classification = message, thread = none, config = defaultConfig()) {
  return mapMail(await parseMail(Buffer.from(raw)), classification, thread, mappingOptions(config));
}

describe('mapMail', () => {
  it('maps the fields mail determines', async () => {
    const { payload, decision } = await map(
      'From: Kari <kari@example.no>\nTo: support@example.com\nCc: boss@example.no\nBcc: audit@example.no\nReply-To: kari.private@example.no\nSubject: Help\nDate: Tue, 5 Mar 2024 10:20:30 +0100\nMessage-ID: <m1@example.no>\nX-Priority: 1 (Highest)\nX-Customer: 42\n\nPlease help.\n',
      message,
      {
        matchedBy: 'in-reply-to',
        parentMessageId: '<p@example.com>',
        ticketId: 77,
        candidates: ['<p@example.com>'],
      },
      parseConfig({
        mapping: { slevel: 'Internal', mailSorter: 'Support NO', extraHeaders: ['X-Customer'] },
      }),
    );
    expect(payload).toMatchObject({
      Ticket: { TicketId: 77 },
      CreatedAt: '2024-03-05T10:20:30+01:00',
      Author: 'kari@example.no',
      Slevel: 'Internal',
      Type: 'Plain',
      MessageId: '<m1@example.no>',
      Body: 'Please help.\n',
      HtmlBody: '',
      MailSorter: 'Support NO',
      MessageCategory: 'Message',
      SearchTitle: 'Help',
      Important: true,
    });
    expect(payload.MessageHeaders).toEqual([
      { Name: 'To', Value: 'support@example.com' },
      { Name: 'Cc', Value: 'boss@example.no' },
      { Name: 'Bcc', Value: 'audit@example.no' },
      { Name: 'Reply-To', Value: 'kari.private@example.no' },
      { Name: 'X-Customer', Value: '42' },
    ]);
    expect(payload.EmailHeader.startsWith('From: Kari <kari@example.no>\n')).toBe(true);
    expect(payload.DebugInfo).toContain('thread: in-reply-to parent <p@example.com> ticket 77');
    expect(payload.DebugInfo).toContain('important: X-Priority: 1 (Highest)');
    expect(decision).toMatchObject({ messageId: '<m1@example.no>', createdAtSource: 'date', notes: [] });
  });

  it.each([
    ['Importance: High', true],
    ['Priority: urgent', true],
    ['X-Priority: 2', true],
    ['X-MSMail-Priority: High', true],
    ['X-Priority: 3 (Normal)', false],
    ['Importance: low', false],
  ])('Important from %s', async (header, important) => {
    const { payload } = await map(`From: a@example.com\n${header}\nSubject: s\n\nx\n`);
    expect(payload.Important).toBe(important);
  });

  it('falls back for missing Date, Message-Id and From, and says so', async () => {
    const raw =
      'Received: from x by y; Wed, 6 Mar 2024 08:00:00 +0000\nSender: robot@example.com\nSubject: no id\n\nx\n';
    const a = await map(raw);
    const b = await map(raw);
    expect(a.payload.CreatedAt).toBe('2024-03-06T08:00:00+00:00');
    expect(a.payload.Author).toBe('robot@example.com');
    expect(a.decision.messageIdDerived).toBe(true);
    expect(a.payload.MessageId).toBe(b.payload.MessageId);
    expect(a.decision.createdAtSource).toBe('received');
    expect(a.decision.notes).toEqual(
      expect.arrayContaining([
        'no Message-Id: derived one from a hash of the header block',
        'no Date header: CreatedAt from the newest Received header',
        'no From address: Author from Sender',
      ]),
    );
  });

  it('leaves CreatedAt to SuperOffice when the mail has no date at all', async () => {
    const { payload, decision } = await map('From: a@example.com\nSubject: s\n\nx\n');
    expect(payload.CreatedAt).toBeUndefined();
    expect(decision.createdAtSource).toBe('none');
  });

  it('marks bounces with MessageCategory Bounce and keeps the bounce in the decision', async () => {
    const bounce: Classification = {
      kind: 'bounce',
      evidence: ['multipart/report delivery-status'],
      bounce: {
        permanent: true,
        recipients: [{ address: 'gone@example.net', status: '5.1.1', action: 'failed' }],
      },
    };
    const { payload, decision } = await map('From: MAILER-DAEMON@x\nSubject: failed\n\nx\n', bounce);
    expect(payload.MessageCategory).toBe('Bounce');
    expect(decision.bounce?.recipients[0]?.status).toBe('5.1.1');
    expect(payload.DebugInfo).toContain('bounce: permanent; gone@example.net 5.1.1 failed');
  });
});
