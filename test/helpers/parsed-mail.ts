import type { ParsedMail } from '../../src/types.js';

/** A hand-built ParsedMail for unit tests of the pure steps: empty defaults, overridden per test. */
export function parsedMail(over: Partial<ParsedMail> = {}): ParsedMail {
  return {
    size: 0,
    headerBlock: '',
    headers: [],
    subject: '',
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    receivedDates: [],
    contentType: 'text/plain',
    contentTypeParams: {},
    parts: [],
    captured: [],
    inlineImages: [],
    attachments: [],
    problems: [],
    ...over,
  };
}
