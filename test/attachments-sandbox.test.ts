import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const BASIC = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;
const json = { authorization: BASIC, 'content-type': 'application/json' };

let sb: Sandbox;
let msg: number;
beforeEach(async () => {
  sb = await startSandbox();
  const ticket = sb.store.addTicket({ Title: 'T' }).TicketId;
  msg = sb.store.addMessage(ticket, { MessageId: '<a@x>' });
});
afterEach(async () => {
  await sb.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = json) {
  const res = await fetch(sb.url + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** POST content in several writes, so the server sees a stream, not one buffer. */
function upload(id: number, parts: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${sb.url}/api/v1/Attachment/${id}/Content`);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe('sandbox attachment routes', () => {
  it('create, stream content, connect, list (and /Noninline), get; state shows size, sha256 and links', async () => {
    const created = await call('POST', '/api/v1/Attachment', {
      Name: 'a.pdf',
      ContentType: 'application/pdf',
      AttSize: 6,
      InlineImage: false,
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ AttachmentId: 1, Name: 'a.pdf', AttSize: 0 });
    expect(created.json.AuthKey).toMatch(/^[0-9a-f]{24}$/);
    const inline = await call('POST', '/api/v1/Attachment', {
      Name: 'logo.png',
      ContentType: 'image/png',
      AttSize: 3,
      InlineImage: true,
      ContentId: 'logo@x',
    });

    expect(await upload(1, [Buffer.from('abc'), Buffer.from('def')])).toBe(204);
    expect(await upload(inline.json.AttachmentId, [Buffer.from('png')])).toBe(204);
    expect((await call('GET', '/api/v1/Attachment/1')).json).toMatchObject({ AttSize: 6 });

    expect((await call('POST', `/api/v1/TicketMessage/${msg}/Attachment`, [1, 2])).status).toBe(204);
    // connecting again keeps one link
    expect((await call('POST', `/api/v1/TicketMessage/${msg}/Attachment`, [1])).status).toBe(204);
    const all = await call('GET', `/api/v1/TicketMessage/${msg}/Attachment`);
    expect(all.json.map((a: { Name: string }) => a.Name)).toEqual(['a.pdf', 'logo.png']);
    expect(all.json[0]).toMatchObject({ IsSafeFileExtension: true, InlineImage: false });
    const noninline = await call('GET', `/api/v1/TicketMessage/${msg}/Attachment/Noninline`);
    expect(noninline.json.map((a: { Name: string }) => a.Name)).toEqual(['a.pdf']);

    const state = sb.state();
    expect(state.attachments[0]).toMatchObject({
      AttachmentId: 1,
      size: 6,
      sha256: createHash('sha256').update('abcdef').digest('hex'),
      connectedTo: [msg],
      uploads: 1,
    });
    // through the control route too
    const dumped = await call('GET', '/sandbox/state');
    expect(dumped.json.attachments).toHaveLength(2);
  });

  it('answers with SuperOffice’s error shape: 400 for a bad entity or id list, 404 for unknown ids, 401 without credentials', async () => {
    const shape = {
      Error: true,
      ErrorType: expect.any(String),
      ErrorMessage: expect.any(String),
      ErrorSource: expect.any(String),
    };
    const bad = await call('POST', '/api/v1/Attachment', { ContentType: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ ...shape, ErrorType: 'ValidationException' });
    expect(bad.json.ErrorMessage).toContain('Name');
    expect((await call('POST', '/api/v1/Attachment')).json.ErrorMessage).toBe(
      'Entity to save is not in request body',
    );
    expect((await call('POST', `/api/v1/TicketMessage/${msg}/Attachment`, ['x'])).status).toBe(400);
    const unknown = await call('POST', `/api/v1/TicketMessage/${msg}/Attachment`, [99]);
    expect(unknown).toMatchObject({ status: 404, json: { ...shape, ErrorType: 'SoNotFoundException' } });
    expect((await call('GET', '/api/v1/TicketMessage/999/Attachment')).status).toBe(404);
    expect((await call('GET', '/api/v1/Attachment/42')).status).toBe(404);
    expect(await upload(42, [Buffer.from('x')])).toBe(404);
    const anon = await call('GET', `/api/v1/TicketMessage/${msg}/Attachment`, undefined, {});
    expect(anon).toMatchObject({ status: 401, json: { ...shape, ErrorType: 'SoUnauthorizedException' } });
  });

  it('injects faults into uploads: 500 after the body (nothing stored), a cut in the middle, a lost answer', async () => {
    await call('POST', '/api/v1/Attachment', { Name: 'a.bin' });
    const body = [Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)];
    sb.setFaults({ match: 'POST /Attachment/\\d+/Content', queue: ['500', 'drop-during', 'drop-after'] });
    expect(await upload(1, body)).toBe(500);
    expect(sb.state().attachments[0]).toMatchObject({ size: 0, uploads: 0 });
    await expect(upload(1, body)).rejects.toThrow();
    expect(sb.state().attachments[0]).toMatchObject({ size: 0, uploads: 0 });
    await expect(upload(1, body)).rejects.toThrow();
    // the lost answer: the content was stored
    expect(sb.state().attachments[0]).toMatchObject({ size: 128 * 1024, uploads: 1 });
    expect(sb.state().counters.faults).toEqual({ '500': 1, 'drop-during': 1, 'drop-after': 1 });
  });
});
