import { describe, expect, it } from 'vitest';
import {
  bareMessageId,
  bareMessageIdSpelling,
  bracketedMessageId,
  bracketedMessageIdInText,
  derivedMessageId,
  messageIdOf,
  parseMessageIdList,
} from '../src/message-id.js';

describe('bareMessageId (the compare key, a@b)', () => {
  it('drops brackets and surrounding white space', () => {
    expect(bareMessageId('<a@b>')).toBe('a@b');
    expect(bareMessageId('a@b')).toBe('a@b');
    expect(bareMessageId(' \t<a@b>\r\n')).toBe('a@b');
    expect(bareMessageId('< a@b >')).toBe('a@b');
  });

  it('drops a lone bracket on either side', () => {
    expect(bareMessageId('<a@b')).toBe('a@b');
    expect(bareMessageId('a@b>')).toBe('a@b');
  });

  it('removes one bracket each side only, and keeps case (id-left is case-sensitive)', () => {
    expect(bareMessageId('<<a@b>>')).toBe('<a@b>');
    expect(bareMessageId('<ABC@b>')).toBe('ABC@b');
  });

  it('is undefined when nothing is left', () => {
    expect(bareMessageId(undefined)).toBeUndefined();
    expect(bareMessageId('')).toBeUndefined();
    expect(bareMessageId('   ')).toBeUndefined();
    expect(bareMessageId('<>')).toBeUndefined();
    expect(bareMessageId(' < > ')).toBeUndefined();
    expect(bareMessageId('<')).toBeUndefined();
  });

  it('does not parse: a comment or a second id stays in the value', () => {
    expect(bareMessageId('<a@b> (note)')).toBe('a@b> (note)');
    expect(bareMessageId('<a@b> <c@d>')).toBe('a@b> <c@d');
  });
});

describe('bareMessageIdSpelling (a stored spelling, a@b)', () => {
  it('removes one complete enclosing pair after trimming', () => {
    expect(bareMessageIdSpelling('<a@b>')).toBe('a@b');
    expect(bareMessageIdSpelling('  <a@b>\r\n')).toBe('a@b');
    expect(bareMessageIdSpelling('a@b')).toBe('a@b');
  });

  it('leaves everything else as written (unlike bareMessageId)', () => {
    expect(bareMessageIdSpelling('<a@b')).toBe('<a@b');
    expect(bareMessageIdSpelling('a@b>')).toBe('a@b>');
    expect(bareMessageIdSpelling('< a@b >')).toBe(' a@b ');
    expect(bareMessageIdSpelling('<a@b> (note)')).toBe('<a@b> (note)');
    expect(bareMessageIdSpelling('<a\n@b>')).toBe('a\n@b');
  });

  it('is undefined when nothing is left', () => {
    expect(bareMessageIdSpelling('')).toBeUndefined();
    expect(bareMessageIdSpelling('  ')).toBeUndefined();
    expect(bareMessageIdSpelling('<>')).toBeUndefined();
  });
});

describe('bracketedMessageId (a Message-Id field value, <a@b>)', () => {
  it('brackets a bare id and keeps a bracketed one', () => {
    expect(bracketedMessageId('a@b')).toBe('<a@b>');
    expect(bracketedMessageId('<a@b>')).toBe('<a@b>');
    expect(bracketedMessageId('  <a@b>\r\n')).toBe('<a@b>');
  });

  it('drops comments (CFWS) and folding, even inside the id', () => {
    expect(bracketedMessageId('(sent by (our) relay) <a@b> (added by postmaster)')).toBe('<a@b>');
    expect(bracketedMessageId('<a.long.id\r\n @host.example>')).toBe('<a.long.id@host.example>');
  });

  it('takes the first of several ids', () => {
    expect(bracketedMessageId('<a@b> <c@d>')).toBe('<a@b>');
    expect(bracketedMessageId('a@b, c@d')).toBe('<a@b>');
  });

  it('keeps an id without "@" (it is still the mail\'s id), brackets it', () => {
    expect(bracketedMessageId('1234.abcd')).toBe('<1234.abcd>');
    expect(bracketedMessageId('<1234.abcd')).toBe('<1234.abcd>');
  });

  it('is undefined when empty', () => {
    expect(bracketedMessageId(undefined)).toBeUndefined();
    expect(bracketedMessageId('')).toBeUndefined();
    expect(bracketedMessageId(' \r\n ')).toBeUndefined();
    expect(bracketedMessageId('<>')).toBeUndefined();
  });
});

describe('bracketedMessageIdInText (an id somewhere in text, <a@b>)', () => {
  it('finds a bracketed id anywhere in the text', () => {
    expect(bracketedMessageIdInText('<a@b>')).toBe('<a@b>');
    expect(bracketedMessageIdInText('Your message <a@b> was not delivered')).toBe('<a@b>');
    expect(bracketedMessageIdInText('<a@b> <c@d>')).toBe('<a@b>');
  });

  it('brackets a bare id and drops the sentence punctuation after it', () => {
    expect(bracketedMessageIdInText('a@b')).toBe('<a@b>');
    expect(bracketedMessageIdInText('  id was a@b.example.')).toBe('<a@b.example>');
    expect(bracketedMessageIdInText('a@b;')).toBe('<a@b>');
  });

  it('skips a bracket pair with white space inside, taking the bare id in it instead', () => {
    expect(bracketedMessageIdInText('< a@b >')).toBe('<a@b>');
  });

  it('is undefined without an "@" id (unlike bracketedMessageId)', () => {
    expect(bracketedMessageIdInText(undefined)).toBeUndefined();
    expect(bracketedMessageIdInText('')).toBeUndefined();
    expect(bracketedMessageIdInText('   ')).toBeUndefined();
    expect(bracketedMessageIdInText('<>')).toBeUndefined();
    expect(bracketedMessageIdInText('1234.abcd')).toBeUndefined();
    expect(bracketedMessageIdInText('0000014a-f4d4-4f0e-9b3b-000000')).toBeUndefined();
  });
});

describe('parseMessageIdList (In-Reply-To / References, <a@b> each)', () => {
  it('returns bracketed ids in header order, without duplicates', () => {
    expect(parseMessageIdList('<a@x> b@y', 10)).toEqual(['<a@x>']);
    expect(parseMessageIdList('a@x b@y a@x', 10)).toEqual(['<a@x>', '<b@y>']);
  });

  it('keeps the newest max ids', () => {
    expect(parseMessageIdList('<a@x> <b@x> <c@x>', 2)).toEqual(['<b@x>', '<c@x>']);
    expect(parseMessageIdList('<a@x>', 0)).toEqual([]);
  });
});

describe('derivedMessageId and messageIdOf', () => {
  it('derives a stable bracketed id under .invalid from the header block', () => {
    const id = derivedMessageId('From: a\r\n');
    expect(id).toMatch(/^<[0-9a-f]{32}@mail2ticket\.invalid>$/);
    expect(derivedMessageId('From: a\r\n')).toBe(id);
    expect(bracketedMessageId(id)).toBe(id);
  });

  it("uses the mail's Message-Id as written, else the derived one", () => {
    const headerBlock = 'From: a\r\n';
    expect(messageIdOf({ messageId: '<a@b> (note)', headerBlock })).toBe('<a@b> (note)');
    expect(messageIdOf({ messageId: 'a@b', headerBlock })).toBe('a@b');
    expect(messageIdOf({ headerBlock })).toBe(derivedMessageId(headerBlock));
    expect(messageIdOf({ messageId: '', headerBlock })).toBe(derivedMessageId(headerBlock));
  });
});
