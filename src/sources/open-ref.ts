import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { FromUnquote } from './from-unquote.js';
import type { SourceRef } from './types.js';

export function openRef(ref: SourceRef): Readable {
  if (ref.type === 'file') return createReadStream(ref.path);
  if (ref.end <= ref.start) return Readable.from([]);
  return createReadStream(ref.path, { start: ref.start, end: ref.end - 1 }).pipe(new FromUnquote());
}
