import type { Config } from '../config.js';
import { SqliteStateStore, type StateStore } from '../daemon/mailbox-state.js';
import { OverlayIndex } from './overlay.js';
import type { PostgresConfig } from './postgres/config-schema.js';
import { openPgIndex, openPgStateStore } from './postgres/open.js';
import { openSqliteIndex } from './sqlite.js';
import type { MessageIndex } from './store.js';

export interface OpenedIndex {
  /** The index to thread and record with (the overlay in a dry run). */
  index: MessageIndex;
  close(): Promise<void>;
}

/**
 * Open the state for a run. Live: the SQLite index in `stateDir` (created on demand), or the
 * PostgreSQL one when `state.postgres` is configured. Dry run: the same store read-only (or
 * nothing, when a SQLite file does not exist) under an in-memory overlay, so the run sees what
 * earlier live runs learned and changes nothing.
 */
export function openMessageIndex(opts: {
  stateDir: string;
  dryRun: boolean;
  postgres?: PostgresConfig;
}): OpenedIndex {
  const base = opts.postgres
    ? openPgIndex(opts.postgres, { readOnly: opts.dryRun })
    : openSqliteIndex({ stateDir: opts.stateDir, readOnly: opts.dryRun });
  if (!opts.dryRun) return { index: base, close: () => base.close() };
  const overlay = new OverlayIndex(base);
  return {
    index: overlay,
    close: async () => {
      await overlay.close();
      await base.close();
    },
  };
}

/**
 * Open the per-mailbox state: SQLite files in `stateDir` (one machine, the default), or PostgreSQL
 * when `state.postgres` is configured (several instances; migrated before this resolves).
 */
export async function openStateStore(config: Pick<Config, 'stateDir' | 'state'>): Promise<StateStore> {
  const pg = config.state?.postgres;
  if (pg) return openPgStateStore(pg);
  return new SqliteStateStore(config.stateDir);
}
