/**
 * Most MTAs that write plain-text bounces list each failed recipient as a block: a line that
 * names the address (in a shape the family fixes), then the lines that explain it, up to the next
 * such line. This reads those blocks for a family's address-line pattern.
 */
import { cleanAddress, squash } from '../text.js';

export interface Block {
  address: string;
  diagnostic: string;
}

/**
 * Blocks of `text` opened by lines matching `addressLine` (group 1: the address, optional
 * group 2: text on the same line that belongs to the diagnostic). A block ends at the next
 * address line, or at `stop` when given (the family's closing sentence).
 */
export function recipientBlocks(text: string, addressLine: RegExp, stop?: RegExp): Block[] {
  const out: Block[] = [];
  let cur: { address: string; lines: string[] } | undefined;
  const flush = () => {
    if (!cur) return;
    const diagnostic = squash(cur.lines.join(' '));
    const prev = out.find((b) => b.address.toLowerCase() === cur!.address.toLowerCase());
    if (prev) mergeDiagnostic(prev, diagnostic);
    else out.push({ address: cur.address, diagnostic });
    cur = undefined;
  };
  for (const line of text.split('\n')) {
    const m = addressLine.exec(line);
    if (m?.[1]) {
      flush();
      cur = { address: cleanAddress(m[1]), lines: m[2] ? [m[2]] : [] };
      continue;
    }
    if (stop?.test(line)) {
      flush();
      break;
    }
    cur?.lines.push(line);
  }
  flush();
  return out.filter((b) => b.address.includes('@'));
}

/** The text after a family's lead sentence (`lead` is its match in `text`, as detect found it). */
export function afterLead(text: string, lead: RegExpExecArray): string {
  return text.slice(lead.index + lead[0].length);
}

/** A recipient named again: add what the new mention says, unless its diagnostic says it already. */
export function mergeDiagnostic(into: { diagnostic: string }, more: string): void {
  if (!into.diagnostic.includes(more)) into.diagnostic = squash(`${into.diagnostic} ${more}`);
}
