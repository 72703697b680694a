/**
 * The Author promise (src/map/map.ts, README): the From address; mail without a usable From falls
 * back to Sender, then Reply-To, and the decision notes which one was used. Real bytes through the
 * real parser, so "no From" is what the parser makes of a missing or empty field.
 */
import { describe, expect, it } from 'vitest';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig } from '../src/config.js';
import { mapMail } from '../src/map/map.js';
import { parseMail } from '../src/parse/parse.js';
import type { Classification, ThreadDecision } from '../src/types.js';

const message: Classification = { kind: 'message', evidence: [] };
const none: ThreadDecision = { matchedBy: 'none', candidates: [] };

async function author(headers: string[]) {
  const raw = [...headers, 'To: support@example.com', 'Subject: s', 'Message-ID: <a@x.example>', '', 'x', ''];
  const { payload, decision } = mapMail(
    await parseMail(Buffer.from(raw.join('\r\n'))),
    message,
    none,
    mappingOptions(defaultConfig()),
  );
  return { author: payload.Author, notes: decision.notes.filter((n) => n.startsWith('no From')) };
}

describe('Author', () => {
  it('is the From address even when Sender and Reply-To are there, with no note', async () => {
    expect(
      await author(['From: Kari <kari@example.no>', 'Sender: list@example.no', 'Reply-To: other@example.no']),
    ).toEqual({ author: 'kari@example.no', notes: [] });
  });

  it('without From falls back to Sender before Reply-To', async () => {
    expect(await author(['Sender: Robot <robot@example.com>', 'Reply-To: people@example.com'])).toEqual({
      author: 'robot@example.com',
      notes: ['no From address: Author from Sender'],
    });
  });

  it('without From and Sender falls back to the first Reply-To address', async () => {
    expect(await author(['Reply-To: Team: ;, Desk <desk@example.com>, second@example.com'])).toEqual({
      author: 'desk@example.com',
      notes: ['no From address: Author from Reply-To'],
    });
  });

  it('an empty From, or one that is only an empty group, counts as no From', async () => {
    expect(await author(['From: ', 'Sender: robot@example.com'])).toEqual({
      author: 'robot@example.com',
      notes: ['no From address: Author from Sender'],
    });
    expect(await author(['From: undisclosed-recipients:;', 'Reply-To: desk@example.com'])).toEqual({
      author: 'desk@example.com',
      notes: ['no From address: Author from Reply-To'],
    });
  });

  it('with none of them is left empty, and says so', async () => {
    expect(await author([])).toEqual({ author: '', notes: ['no From address: Author left empty'] });
  });
});
