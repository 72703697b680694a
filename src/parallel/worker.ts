import { parentPort, workerData } from 'node:worker_threads';
import { classify } from '../classify/index.js';
import { describeError } from '../errors.js';
import type { MappingOptions } from '../map/map.js';
import { type PrepareSteps, parseStream, prepareStream } from '../pipeline.js';
import { openRef } from '../sources/open-ref.js';
import type { SourceRef } from '../sources/types.js';

/**
 * A prepare worker: parse -> classify -> prepare (bodies) for stored mail, which it opens itself
 * from a SourceRef so big mail streams here instead of being copied between threads. A `parseOnly`
 * job stops after parsing: the main thread classifies and prepares the parsed mail
 * (src/parallel/preparer.ts, MAIN_BACKLOG).
 */
const data = workerData as { mapping: MappingOptions; attachments?: PrepareSteps['attachments'] };
const steps: PrepareSteps = {
  mapping: data.mapping,
  classify,
  ...(data.attachments ? { attachments: data.attachments } : {}),
};

parentPort!.on('message', (job: { id: number; source: string; ref: SourceRef; parseOnly?: boolean }) => {
  const run = job.parseOnly
    ? parseStream(job.source, openRef(job.ref), steps, { classify: false })
    : prepareStream(job.source, openRef(job.ref), steps);
  run.then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: job.id, error: describeError(err) }),
  );
});
