import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
// @ts-expect-error: a plain ESM script without declarations
import { hunksOf, PATCHES } from '../../scripts/patch-deps.mjs';

interface Patch {
  file: string;
  marker: string;
}
interface Hunk {
  from: string;
  to: string;
}
const ROOT = new URL('../..', import.meta.url).pathname;

/** What an equivalence test compares: the installed (patched) package and an unpatched copy. */
export interface PatchedAndOriginal<T> {
  patched: T;
  original: T;
  /** The markers of the patches taken out, in the order they are applied. */
  markers: string[];
  remove(): void;
}

/**
 * The installed package `name` (patched at install by scripts/patch-deps.mjs) and a copy of it with
 * every one of those patches taken out again, both loaded with require. The copy lives inside
 * node_modules, so its own requires resolve as the original's do. Throws when a patch is not in
 * the installed file exactly once: the test would otherwise compare a package with itself.
 */
export function patchedAndOriginal<T>(name: string): PatchedAndOriginal<T> {
  const prefix = `node_modules/${name}/`;
  const patches = (PATCHES as Patch[]).filter((p) => p.file.startsWith(prefix));
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.m2t-unpatched-'));
  const copy = join(dir, name.replace('/', '-'));
  cpSync(join(ROOT, prefix), copy, { recursive: true });
  for (const file of new Set(patches.map((p) => p.file))) {
    const path = join(copy, file.slice(prefix.length));
    let text = readFileSync(path, 'utf8');
    // last applied, first taken out
    for (const p of patches.filter((q) => q.file === file).reverse()) {
      for (const h of [...(hunksOf(p) as Hunk[])].reverse()) {
        if (text.split(h.to).length !== 2)
          throw new Error(`${p.marker} is not applied exactly once in ${file}`);
        text = text.replace(h.to, () => h.from);
      }
    }
    if (text.includes('mail2ticket patch')) throw new Error(`a patch is left in ${file}`);
    writeFileSync(path, text);
  }
  const require = createRequire(import.meta.url);
  return {
    patched: require(join(ROOT, prefix)) as T,
    original: require(copy) as T,
    markers: patches.map((p) => p.marker),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
