import type { AttachmentDecision, MailFile } from '../types.js';

/**
 * The decision's list of a mail's files, before any upload: `would-upload` for each allowed file
 * (the live flow turns it into `uploaded`, `present` or `failed`), `blocked`/`too-large` for the
 * refused ones, whose reasons also become notes (DebugInfo shows them to the agent).
 */
export function attachmentDecisions(files: readonly MailFile[]): {
  decisions: AttachmentDecision[];
  notes: string[];
} {
  const notes: string[] = [];
  const decisions = files.map((f): AttachmentDecision => {
    const d: AttachmentDecision = {
      name: f.name,
      contentType: f.contentType,
      size: f.size,
      sha256: f.sha256,
      outcome: f.refused?.outcome ?? 'would-upload',
    };
    if (f.contentId) d.inline = true;
    if (f.refused) {
      d.note = f.refused.note;
      notes.push(f.refused.note);
    }
    return d;
  });
  return { decisions, notes };
}
