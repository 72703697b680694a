import { OverlayIndex } from './overlay.js';
import { openSqliteIndex } from './sqlite.js';
import type { MessageIndex } from './store.js';

export interface OpenedIndex {
  /** The index to thread and record with (the overlay in a dry run). */
  index: MessageIndex;
  close(): Promise<void>;
}

/**
 * Open the state for a run. Live: the SQLite index in `stateDir` (created on demand). Dry run:
 * the same file read-only (or nothing, when it does not exist) under an in-memory overlay, so
 * the run sees what earlier live runs learned and changes nothing.
 */
export function openMessageIndex(opts: { stateDir: string; dryRun: boolean }): OpenedIndex {
  const base = openSqliteIndex({ stateDir: opts.stateDir, readOnly: opts.dryRun });
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
