import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLive } from '../src/api/live.js';
import { buildLiveContext } from '../src/commands/live-context.js';
import { replay } from '../src/commands/replay.js';
import { parseConfig } from '../src/config.js';
import type { MailResult } from '../src/pipeline.js';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { baseUrlForms } from './helpers/base-urls.js';
import {
  decisionFor,
  payloadFor,
  type Sandbox,
  sandboxApiConfig,
  startSandbox,
  testClient,
} from './helpers/sandbox.js';

/**
 * Every form of api.baseUrl an admin may paste reaches the API of a sandbox that serves it under
 * exactly one base path (a tenant, Onsite's /SuperOffice, or the root), and the mail is updated. The
 * sandbox answers anything else with a 404, so a client that built a wrong path fails here.
 */

const BASIC = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

for (const tenant of ['Cust12345', 'SuperOffice', undefined]) {
  describe(`sandbox served at ${tenant === undefined ? 'the root' : `/${tenant}`}`, () => {
    let sb: Sandbox;
    let ticket: number;
    beforeAll(async () => {
      sb = await startSandbox(tenant === undefined ? {} : { tenant });
      ticket = sb.store.addTicket({ Title: 'T' }).TicketId;
    });
    afterAll(async () => {
      await sb.close();
    });

    it('every pasted form of api.baseUrl updates the mail over the live flow', async () => {
      const forms = baseUrlForms(sb.url + sb.basePath);
      expect(forms).toContain(sb.apiUrl);
      for (const [i, baseUrl] of forms.entries()) {
        const messageId = `<form-${i}@example.com>`;
        const id = sb.store.addMessage(ticket, { MessageId: messageId, Body: 'old' });
        const puts = sb.state().counters.puts;
        const { client } = await testClient(sandboxApiConfig(baseUrl));
        try {
          const payload = payloadFor(messageId, { Body: `updated through ${baseUrl}` });
          const r = await applyLive({ payload, decision: decisionFor(messageId, ticket) }, client, {
            onUnmatched: 'defer',
          });
          expect(r, baseUrl).toEqual({ outcome: 'updated', entityId: id, ticketId: ticket });
          expect(sb.store.messages.get(id)!.entity.Body, baseUrl).toBe(`updated through ${baseUrl}`);
          expect(sb.state().counters.puts, baseUrl).toBe(puts + 1);
        } finally {
          await client.close();
        }
      }
    });

    it('a doubled /api and a wrong tenant are 404s from the sandbox itself', async () => {
      const id = sb.store.addMessage(ticket, { MessageId: '<direct@example.com>' });
      const get = async (path: string) => {
        const res = await fetch(sb.url + path, { headers: { authorization: BASIC } });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      expect((await get(`${sb.basePath}/api/v1/TicketMessage/${id}`)).status).toBe(200);
      const wrong = [
        `${sb.basePath}/api/api/v1/TicketMessage/${id}`,
        `/Cust99999/api/v1/TicketMessage/${id}`,
        tenant === undefined ? `/Cust12345/api/v1/TicketMessage/${id}` : `/api/v1/TicketMessage/${id}`,
      ];
      for (const path of wrong) {
        const r = await get(path);
        expect(r.status, path).toBe(404);
        expect(r.json, path).toMatchObject({ Error: true, ErrorType: 'SoNotFoundException' });
      }
    });
  });
}

describe('live replay through the configured pipeline', () => {
  let sb: Sandbox;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-live-url-'));
    writeFileSync(
      join(dir, 'mail.eml'),
      'From: customer@example.com\r\nTo: support@example.com\r\nSubject: Printer\r\n' +
        'Date: Mon, 4 Mar 2024 10:00:00 +0100\r\nMessage-ID: <replay-url@example.com>\r\n\r\nIt is on fire.\r\n',
    );
    sb = await startSandbox({ tenant: 'Cust12345', seed: [dir] });
  });
  afterAll(async () => {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the README’s form of api.baseUrl and with the tenant root, the seeded mail ends updated', async () => {
    for (const baseUrl of [sb.apiUrl, `${sb.url}/Cust12345`]) {
      const stateDir = mkdtempSync(join(dir, 'state-'));
      const config = parseConfig({ stateDir, api: { baseUrl, auth: sandboxApiAuth() } });
      const ctx = await buildLiveContext(config);
      const results: MailResult[] = [];
      const puts = sb.state().counters.puts;
      try {
        await replay(
          [join(dir, 'mail.eml')],
          ctx.pipeline,
          undefined,
          { stdout: sink(), stderr: sink() },
          {
            onResult: (r) => results.push(r),
          },
        );
      } finally {
        await ctx.close();
      }
      expect(
        results.map((r) => r.outcome),
        baseUrl,
      ).toEqual(['updated']);
      expect(sb.state().counters.puts, baseUrl).toBe(puts + 1);
      expect(sb.state().messages[0]).toMatchObject({
        MessageId: '<replay-url@example.com>',
        MailSorter: 'mail2ticket',
      });
    }
  });
});
