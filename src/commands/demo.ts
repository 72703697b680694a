import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.js';
import { sandboxApiAuth } from '../sandbox/auth.js';
import { startSandbox } from '../sandbox/server.js';
import { type PreviewRecord, toRecord, withPartsCapture } from '../preview/collect.js';
import { renderPreview } from '../preview/render.js';
import { buildLiveContext } from './live-context.js';
import { writeReport } from './preview.js';
import { replay } from './replay.js';
import { LIVE_OUTCOMES } from './summary.js';

const DEMO_MAIL = new URL('../../fixtures/', import.meta.url).pathname;

/**
 * `npm start`: the main job on what ships with the project. A local SuperOffice-compatible sandbox
 * is seeded with the fixture mails (as SuperOffice's own import would have stored them), then the
 * same mails are replayed live against it: matched by Message-Id, re-threaded where the import put
 * them on a new ticket, updated with the full mapping. Prints the summary, then writes the preview
 * of what was done (the same report `mail2ticket preview` makes) and prints its path on stdout.
 */
export async function demoCommand(
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'mail2ticket-demo-'));
  io.stderr.write(`Seeding a local SuperOffice sandbox with ${DEMO_MAIL} ...\n`);
  const sandbox = await startSandbox({ seed: [DEMO_MAIL] });
  const seeded = sandbox.state();
  io.stderr.write(
    `Sandbox at ${sandbox.apiUrl}: ${seeded.messages.length} ticket messages on ${seeded.tickets.length} tickets.\n` +
      'Replaying the same mail live against it ...\n',
  );
  const config = parseConfig({ stateDir, api: { baseUrl: sandbox.apiUrl, auth: sandboxApiAuth() } });
  let ctx: Awaited<ReturnType<typeof buildLiveContext>>;
  try {
    ctx = await buildLiveContext(config);
  } catch (err) {
    // Never leave the sandbox listening (the process would hang instead of saying why).
    await sandbox.close();
    throw err;
  }
  const out = join(stateDir, 'replay.ndjson');
  try {
    const capture = withPartsCapture(ctx.pipeline);
    const records: PreviewRecord[] = [];
    const summary = await replay([DEMO_MAIL], capture.ctx, out, io, {
      onResult: (r) => records.push(toRecord(r, capture.partsFor(r))),
    });
    io.stderr.write(`${summary.format(LIVE_OUTCOMES)}\n`);
    io.stderr.write(
      `(one NDJSON line per mail was written to ${out}; run \`mail2ticket replay --help\` for more)\n`,
    );
    const report = join(stateDir, 'preview.html');
    writeReport(
      report,
      renderPreview(records, {
        title: 'mail2ticket demo: what agents will see',
        generatedAt: new Date().toISOString(),
        paths: [DEMO_MAIL],
      }),
    );
    io.stderr.write('The preview of every mail, as agents will see it (open it in a browser):\n');
    io.stdout.write(`${report}\n`);
    return 0;
  } finally {
    await ctx.close();
    await sandbox.close();
  }
}
