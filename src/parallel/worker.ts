import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { type ParseSteps, parseStream } from '../parse-stage.js';
import type { MailResult, PreparedResult } from '../pipeline.js';
import { openRef } from '../sources/open-ref.js';
import type { SourceRef } from '../sources/types.js';

/**
 * A prepare worker: parse -> classify -> prepare (bodies) for stored mail, which it opens itself
 * from a SourceRef so big mail streams here instead of being copied between threads. A `parseOnly`
 * job stops after parsing: the main thread classifies and prepares the parsed mail
 * (src/parallel/preparer.ts, MAIN_BACKLOG). The rest of the pipeline (classify, bodies, mapping) is
 * loaded at the first whole-mail job: `--jobs auto` with one worker never sends one, and importing
 * it cost the worker about 100 ms of CPU at start, on its way to its first answer.
 */
/** What src/parallel/pool.ts hands every worker: the mapping options and the attachments policy. */
const parseSteps = workerData as ParseSteps;

type Prepare = (source: string, ref: SourceRef) => Promise<PreparedResult | MailResult>;
let whole: Promise<Prepare> | undefined;

/** prepareStream with the classifier, both imported once, at the first whole-mail job. */
function wholeMail(): Promise<Prepare> {
  whole ??= Promise.all([import('../pipeline.js'), import('../classify/index.js')]).then(
    ([{ prepareStream }, { classify }]) =>
      (source, ref) =>
        prepareStream(source, openRef(ref), { ...parseSteps, classify }),
  );
  return whole;
}

parentPort!.on('message', (job: { id: number; source: string; ref: SourceRef; parseOnly?: boolean }) => {
  const run = job.parseOnly
    ? parseStream(job.source, openRef(job.ref), parseSteps)
    : wholeMail().then((prepare) => prepare(job.source, job.ref));
  run.then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: job.id, error: describeError(err) }),
  );
});
