import { describe, expect, it } from 'vitest';
import { threadConfigSchema } from '../src/thread/config-schema.js';
import { bareMessageId, bracketedMessageId, parseMessageIdList } from '../src/message-id.js';
import { compileTagPatterns, extractSubjectTags, isForwardSubject } from '../src/thread/subject-tag.js';

describe('parseMessageIdList', () => {
  it('reads a References header folded over lines, oldest first', () => {
    const raw = '<root@a.example>\r\n <mid@b.example>\r\n\t<last@c.example>';
    expect(parseMessageIdList(raw, 100)).toEqual(['<root@a.example>', '<mid@b.example>', '<last@c.example>']);
  });

  it('drops comments, including nested ones and brackets inside comments', () => {
    const raw = '<a@x> (Joe\'s mail (the <fake@x> one)) <b@x> (from "Ann")';
    expect(parseMessageIdList(raw, 100)).toEqual(['<a@x>', '<b@x>']);
  });

  it('accepts ids without angle brackets, separated by white space or commas', () => {
    expect(parseMessageIdList('a@x, b@x  c@x', 100)).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });

  it('accepts ids written back to back and separated by commas', () => {
    expect(parseMessageIdList('<a@x><b@x>,<c@x>', 100)).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });

  it('ignores RFC 822 phrases around a bracketed id', () => {
    const raw = 'Your message of "Mon, 1 Jan 2001 10:00:00 +0100" <orig@host.example> joe@example.com';
    expect(parseMessageIdList(raw, 100)).toEqual(['<orig@host.example>']);
  });

  it('deduplicates, keeping the first occurrence', () => {
    expect(parseMessageIdList('<a@x> <b@x> <a@x> <b@x> <c@x>', 100)).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });

  it('drops an id cut short by truncation, also before another id', () => {
    expect(parseMessageIdList('<a@x> <b@x> <c@tr', 100)).toEqual(['<a@x>', '<b@x>']);
    expect(parseMessageIdList('<a@x <b@x>', 100)).toEqual(['<b@x>']);
  });

  it('keeps only the newest ids of a very long header', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `<m${i}@x>`);
    const out = parseMessageIdList(ids.join(' '), 100);
    expect(out).toHaveLength(100);
    expect(out[0]).toBe('<m400@x>');
    expect(out[99]).toBe('<m499@x>');
  });

  it('keeps the case of the local part (ids differing only in case are different)', () => {
    expect(parseMessageIdList('<ABC@x> <abc@x>', 100)).toEqual(['<ABC@x>', '<abc@x>']);
  });

  it('removes folding white space inside an id but keeps quoted local parts whole', () => {
    expect(parseMessageIdList('<abc.def\r\n @host.example>', 100)).toEqual(['<abc.def@host.example>']);
    expect(parseMessageIdList('<"john doe"@host.example>', 100)).toEqual(['<"john doe"@host.example>']);
  });

  it('returns nothing for empty, missing, bracket-less garbage or empty brackets', () => {
    expect(parseMessageIdList(undefined, 100)).toEqual([]);
    expect(parseMessageIdList('', 100)).toEqual([]);
    expect(parseMessageIdList('no ids here', 100)).toEqual([]);
    expect(parseMessageIdList('<>  < >', 100)).toEqual([]);
  });
});

describe('single ids', () => {
  it('normalises and formats', () => {
    expect(bareMessageId('  <abc@x>\r\n')).toBe('abc@x');
    expect(bareMessageId('abc@x')).toBe('abc@x');
    expect(bracketedMessageId(' abc@x ')).toBe('<abc@x>');
  });

  it('takes the first id of a Message-Id value with a comment', () => {
    expect(bracketedMessageId('<abc@x> (added by postmaster)')).toBe('<abc@x>');
    expect(bracketedMessageId('abc@x')).toBe('<abc@x>');
    expect(bracketedMessageId('   ')).toBeUndefined();
  });
});

describe('subject tags', () => {
  const cfg = threadConfigSchema.parse({ tagPatterns: ['\\[#(\\d+)\\]'] });
  const patterns = compileTagPatterns(cfg);

  it('finds SuperOffice tags and configured patterns in order of appearance', () => {
    const tags = extractSubjectTags('Re: [#77] printer broken ejTag: 123', patterns);
    expect(tags.map((t) => t.ticketId)).toEqual([77, 123]);
    expect(tags[1]!.text).toBe('ejTag: 123');
  });

  it('does not take a longer word or a number out of range for a tag', () => {
    expect(extractSubjectTags('myejTag: 5', patterns)).toEqual([]);
    expect(extractSubjectTags('ejTag: 99999999999', patterns)).toEqual([]);
    expect(extractSubjectTags('ejTag: 0', patterns)).toEqual([]);
  });

  it('uses the configured tag word', () => {
    const other = compileTagPatterns(threadConfigSchema.parse({ tagWord: 'Case' }));
    expect(extractSubjectTags('Re: help Case: 42 ejTag: 1', other).map((t) => t.ticketId)).toEqual([42]);
  });

  it('rejects patterns that do not compile or lack exactly one capture group', () => {
    const bad = threadConfigSchema.safeParse({ tagPatterns: ['[#(\\d+', '#\\d+', '(a)(\\d+)'] });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages[0]).toMatch(/^tagPatterns\.0: not a valid regular expression/);
    expect(messages[1]).toMatch(/^tagPatterns\.1: must have exactly one capture group.*has 0/);
    expect(messages[2]).toMatch(/^tagPatterns\.2: .*has 2/);
  });

  it('recognises forwards in several languages but not replies', () => {
    for (const s of ['Fwd: x', 'FW: x', 'WG: x', 'Re: Fwd: x', '[list] TR: x', 'Doorst: x']) {
      expect(isForwardSubject(s)).toBe(true);
    }
    for (const s of ['Re: x', 'AW: x', 'SV: x', 'Forward planning', 'Info: x']) {
      expect(isForwardSubject(s)).toBe(false);
    }
  });
});
