import { describe, expect, it } from 'vitest';
import { BATCH_INTERRUPT_BUDGET, batchV8Flags } from '../src/core/v8-batch.js';

const NODE20 = '11.3.244.8-node.38';

describe('V8 tuning for batch runs (replay, preview)', () => {
  it('raises the interrupt budget to four times V8 11.3 default on the engine it was measured on', () => {
    expect(BATCH_INTERRUPT_BUDGET).toBe(270336);
    expect(batchV8Flags({ v8Version: NODE20, execArgv: [], nodeOptions: undefined })).toEqual([
      '--interrupt-budget=270336',
    ]);
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
      expect(batchV8Flags({ v8Version: NODE20, ...env }), JSON.stringify(env)).toEqual([]);
    // other flags are not the budget
    expect(
      batchV8Flags({ v8Version: NODE20, execArgv: ['--import', 'tsx'], nodeOptions: '--enable-source-maps' }),
    ).toEqual(['--interrupt-budget=270336']);
  });
});
