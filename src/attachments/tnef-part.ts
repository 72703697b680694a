import type { MailFile } from '../types.js';
import { safeName } from './names.js';
import type { AttachmentSink } from './sink.js';
import { MAX_TNEF_FILES, readTnef } from './tnef.js';

/**
 * A TNEF part (winmail.dat) in the parse: its decoded bytes are gathered while they also stream to
 * the sink as one file, then read (src/attachments/tnef.ts); when it gives files, those replace the
 * winmail.dat. When it gives none, fails, or the part is larger than MAX_TNEF_BYTES, the
 * winmail.dat stays the file (as before TNEF was read) and a note says why.
 */

/**
 * Largest TNEF part unpacked, in bytes. The reader needs the whole stream (the file names follow
 * the file data: MS-OXTNEF 2.1.3.3 lists attAttachData before attAttachment), so the part is held
 * in memory while it is read: measured, a 12 MiB winmail.dat raised peak RSS by 23-33 MiB over the
 * same file as a plain part (the chunks and their concatenation). 10 MiB keeps that under the
 * ~30 MiB a large attachment may cost (issue 14); beyond, the part is uploaded whole.
 */
export const MAX_TNEF_BYTES = 10 * 1024 * 1024;

/** Gathers a TNEF part's bytes up to MAX_TNEF_BYTES; past that it lets go of them. */
export class TnefBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private over = false;

  add(chunk: Buffer): void {
    if (this.over) return;
    this.bytes += chunk.length;
    if (this.bytes > MAX_TNEF_BYTES) {
      this.over = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  /** The whole part, or undefined when it was larger than MAX_TNEF_BYTES. */
  take(): Buffer | undefined {
    if (this.over) return undefined;
    const whole = Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    return whole;
  }
}

/**
 * Write the files of a TNEF part to the sink, named safely from `firstIndex` on (unnamed ones get
 * `attachment-<n>.<ext>`). `files` undefined: keep the part whole; `note` says what happened
 * either way (it becomes a line of DebugInfo).
 */
export async function unpackTnef(
  tnef: TnefBuffer,
  sink: AttachmentSink,
  partName: string,
  firstIndex: number,
): Promise<{ files?: MailFile[]; note: string }> {
  const whole = tnef.take();
  if (!whole) return { note: `TNEF ${partName} kept whole: larger than ${MAX_TNEF_BYTES} bytes` };
  const read = readTnef(whole);
  const why = read.error ?? read.skipped[0] ?? (read.files.length === 0 ? 'it holds no files' : undefined);
  if (why) {
    const more = read.skipped.length > 1 ? ` (and ${read.skipped.length - 1} more)` : '';
    return { note: `TNEF ${partName} kept whole: ${why}${more}` };
  }
  const files: MailFile[] = [];
  for (const [i, f] of read.files.slice(0, MAX_TNEF_FILES).entries()) {
    const writer = sink.open({
      name: safeName(f.name, f.contentType, firstIndex + i),
      contentType: f.contentType,
    });
    try {
      await writer.write(f.data);
    } catch (err) {
      writer.abort();
      throw err;
    }
    files.push(await writer.close());
  }
  return {
    files,
    note: `TNEF ${partName} unpacked into ${files.length} file(s): ${files.map((f) => f.name).join(', ')}`,
  };
}
