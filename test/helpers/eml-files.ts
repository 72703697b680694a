import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .eml file under `dir`, recursively, in directory order (fixture sweeps). */
export function emlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...emlFiles(p));
    else if (name.endsWith('.eml')) out.push(p);
  }
  return out;
}
