import { describe, expect, it } from 'vitest';
import {
  BATCH_HEAP_GROWING_PERCENT,
  BATCH_INTERRUPT_BUDGET,
  batchV8Flags,
  NO_PARALLEL_SCAVENGE,
} from '../src/core/v8-batch.js';

const NODE20 = '11.3.244.8-node.38';
const ALL = ['--interrupt-budget=270336', '--no-parallel-scavenge', '--heap-growing-percent=80'];

describe('V8 tuning for batch runs (replay, preview)', () => {
  it('sets the measured budget, minor GCs on their own thread and 80 % heap growth on V8 11.3', () => {
    expect(BATCH_INTERRUPT_BUDGET).toBe(270336);
    expect(NO_PARALLEL_SCAVENGE).toBe('--no-parallel-scavenge');
    expect(BATCH_HEAP_GROWING_PERCENT).toBe(80);
    expect(batchV8Flags({ v8Version: NODE20, execArgv: [], nodeOptions: undefined })).toEqual(ALL);
  });

  it('leaves other engines (Node 22, 24) at their defaults', () => {
    for (const v8Version of ['12.4.254.21-node.33', '13.6.233.10-node.18'])
      expect(batchV8Flags({ v8Version, execArgv: [], nodeOptions: undefined }), v8Version).toEqual([]);
  });

  it("keeps the user's own budget, from the command line or NODE_OPTIONS, in either spelling", () => {
    for (const env of [
      { execArgv: ['--interrupt-budget=1000'], nodeOptions: undefined },
      { execArgv: ['--interrupt_budget', '1000'], nodeOptions: undefined },
      { execArgv: [], nodeOptions: '--max-old-space-size=512 --interrupt-budget=9000' },
    ])
      expect(batchV8Flags({ v8Version: NODE20, ...env }), JSON.stringify(env)).toEqual(ALL.slice(1));
    // other flags are none of ours
    expect(
      batchV8Flags({ v8Version: NODE20, execArgv: ['--import', 'tsx'], nodeOptions: '--enable-source-maps' }),
    ).toEqual(ALL);
  });

  it("keeps the user's own scavenger and heap growth settings, and what implies them", () => {
    for (const own of [
      '--parallel-scavenge',
      '--no-parallel-scavenge',
      '--no_parallel_scavenge',
      '--single-threaded-gc',
      '--single-threaded',
    ])
      expect(batchV8Flags({ v8Version: NODE20, execArgv: [own], nodeOptions: undefined }), own).toEqual([
        '--interrupt-budget=270336',
        '--heap-growing-percent=80',
      ]);
    for (const env of [
      { execArgv: ['--heap-growing-percent=300'], nodeOptions: undefined },
      { execArgv: [], nodeOptions: '--heap_growing_percent=50' },
    ])
      expect(batchV8Flags({ v8Version: NODE20, ...env }), JSON.stringify(env)).toEqual(ALL.slice(0, 2));
    // a flag that only starts like ours is not ours
    expect(
      batchV8Flags({
        v8Version: NODE20,
        execArgv: ['--parallel-scavenge-task-trace'],
        nodeOptions: undefined,
      }),
    ).toEqual(ALL);
  });
});
