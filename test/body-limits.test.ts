import { describe, expect, it } from 'vitest';
import { MAX_HTML_NESTING } from '../src/body/body-limits.js';
import { bodyConfigSchema } from '../src/body/config-schema.js';
import { renderBodies } from '../src/body/index.js';
import { DEFAULT_LIMITS, type Limits } from '../src/limits.js';
import type { ParsedMail } from '../src/types.js';
import { parsedMail } from './helpers/parsed-mail.js';

/**
 * Pathological HTML must cost bounded work and produce bounded output (sizes asserted here; the
 * time is measured by the benchmark, never asserted). Every over-limit case is visible in the body
 * and listed in notes, so the decision can say so.
 */

const limits: Limits = { ...DEFAULT_LIMITS };
const opts = { body: bodyConfigSchema.parse({}), limits };
const mail = (html: string): ParsedMail => parsedMail({ size: html.length, contentType: 'text/html', html });

describe('pathological HTML', () => {
  it('100,000 links: all sanitized, the text bounded by maxBodyChars with a visible note', () => {
    const html = Array.from({ length: 100_000 }, (_, i) => `<a href="https://l.test/${i}">l${i}</a>`).join(
      ' ',
    );
    const r = renderBodies(mail(html), opts);
    expect(r.notes).toEqual(['Body truncated at 2097152 characters (limit maxBodyChars)']);
    expect(r.body).toContain('l50000 [https://l.test/50000]');
    expect(r.body.length).toBeLessThanOrEqual(limits.maxBodyChars + 200);
    expect(r.htmlBody.split('rel="noopener noreferrer"').length - 1).toBe(100_000);
    // growth is bounded per element (rel/target on links), not by content: < 3x a 4 MB input
    expect(r.htmlBody.length).toBeLessThan(html.length * 3);
  }, 120_000);

  it('a 10 MB single line is truncated at maxHtmlChars, visibly, and noted', () => {
    const html = `<p>${'a'.repeat(10 * 1024 * 1024)}</p>`;
    const r = renderBodies(mail(html), opts);
    expect(r.htmlBody.length).toBeLessThanOrEqual(limits.maxHtmlChars + 500);
    expect(r.htmlBody).toContain('HTML body truncated at 4194304 characters');
    expect(r.body.length).toBeLessThanOrEqual(limits.maxBodyChars + 200);
    expect(r.body).toContain('[mail2ticket: text body truncated at 2097152 characters');
    expect(r.notes).toEqual([
      'HtmlBody truncated at 4194304 characters (limit maxHtmlChars)',
      'HTML truncated at 4194304 characters before conversion to text (limit maxHtmlChars)',
      'Body truncated at 2097152 characters (limit maxBodyChars)',
    ]);
  }, 120_000);

  it('5,000-deep nesting is flattened below MAX_HTML_NESTING, text kept, and noted', () => {
    const html = `${'<div>'.repeat(5000)}deep text${'</div>'.repeat(5000)}`;
    const r = renderBodies(mail(html), opts);
    expect(r.htmlBody.split('<div>').length - 1).toBe(MAX_HTML_NESTING);
    expect(r.htmlBody).toContain('deep text');
    expect(r.notes).toEqual([`HtmlBody nesting deeper than ${MAX_HTML_NESTING} elements was flattened`]);
    // Body is converted from the flattened HTML, so the deep text is not lost
    expect(r.body).toBe('deep text');
  }, 120_000);

  it('5,000 unclosed nested tables do not blow the stack', () => {
    const r = renderBodies(mail('<table><tr><td>'.repeat(5000) + 'cell'), opts);
    expect(r.htmlBody).toContain('cell');
    expect(r.notes[0]).toMatch(/nesting deeper than/);
  }, 120_000);
});
