import { SuperOfficeClient } from '../api/client.js';
import { applyLive } from '../api/live.js';
import { rmSync } from 'node:fs';
import { threadApiFor } from '../api/thread-api.js';
import { cleanStaleSpool, spoolRootFor } from '../attachments/sink.js';
import { type AttachmentStore, SqliteAttachmentStore } from '../state/attachments.js';
import { openPgAttachmentStore } from '../state/postgres/attachments.js';
import type { Config } from '../config.js';
import { Mail2TicketError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type BuiltContext, buildContext } from './context.js';

export interface LiveContext extends BuiltContext {
  client: SuperOfficeClient;
}

/**
 * The pipeline wired to SuperOffice: threading asks the API for ids the index does not know,
 * and every mapped mail is applied with the live flow (find by Message-Id, GET, overlay, PUT).
 */
export async function buildLiveContext(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<LiveContext> {
  const api = config.api;
  if (!api) {
    throw new Mail2TicketError(
      'E_CONFIG',
      'live mode needs an "api" section in the config (or use --dry-run)',
    );
  }
  const client = await SuperOfficeClient.create(api, options.logger ? { logger: options.logger } : {});
  // Files: spool files of killed runs go; uploads are recorded beside the thread index.
  const upload = config.attachments.mode === 'upload';
  if (upload) cleanStaleSpool(config.stateDir);
  // With state.postgres the records are shared: a failover reuses the rows the last owner created.
  const pg = config.state?.postgres;
  const attachments: AttachmentStore | undefined = !upload
    ? undefined
    : pg
      ? openPgAttachmentStore(pg)
      : new SqliteAttachmentStore(config.stateDir);
  const built = await buildContext(config, {
    dryRun: false,
    threadApi: threadApiFor(client),
    apply: (mapped, signal) =>
      applyLive(mapped, client, {
        onUnmatched: api.onUnmatched,
        ...(attachments ? { attachments } : {}),
        ...(signal ? { signal } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    client,
    pipeline: {
      ...built.pipeline,
      concurrency: api.concurrency,
      probe: (signal) => client.probe({ signal }),
    },
    close: async () => {
      await built.close();
      await client.close();
      await attachments?.close();
      if (upload) rmSync(spoolRootFor(config.stateDir), { recursive: true, force: true });
    },
  };
}
