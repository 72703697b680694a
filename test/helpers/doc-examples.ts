/**
 * The fenced examples of README.md and docs/*.md, for test/doc-examples.test.ts, which runs them.
 *
 * Convention for the docs (every block is one of these; an unmarked block the test cannot classify
 * fails the test with its `file:line`, so a new example cannot slip in untested):
 *
 * | fence                    | kind       | what the test does with it                                  |
 * |--------------------------|------------|-------------------------------------------------------------|
 * | ```json                  | `config`   | a complete config file: loaded with parseConfig and used by |
 * |                          |            | the same document's shell lines against sandbox/Dovecot     |
 * | ```json output           | `output`   | a sample output line: compared with a real replay's line    |
 * | ```sh (or shell, bash)   | `shell`    | every command line is executed (see the test's tables)      |
 * | ```text usage            | `usage`    | the CLI synopsis: must equal the lines `--help` prints      |
 * | ```LANG fragment, or     | `fragment` | deliberately partial (a piece of a config, needs root,      |
 * | `<!-- fragment: why -->` |            | docker, minutes of CPU): not run; JSON must still parse     |
 * | right before the fence   |            |                                                             |
 * | ```ts / ```typescript    | `api-ts`   | docs/api.md and README: the library examples are compiled and |
 * | in docs/api.md, README   |            | run by test/package.test.ts, not here                       |
 *
 * A shell line is a fragment only when it cannot run on a test machine at all; an operator's
 * command (`preview`, `quarantine ...`, `status`) is not: the test prepares what it needs (the
 * sandbox, Dovecot, quarantined mail for the IDs the lines name) and checks each line's effect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type BlockKind = 'config' | 'output' | 'shell' | 'usage' | 'fragment' | 'api-ts';

export interface DocBlock {
  /** Relative to the repository root: `README.md`, `docs/daemon.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** `README.md:75`. */
  where: string;
  /** The first word of the info string (`json`, `sh`, or '' for a bare fence). */
  lang: string;
  /** The rest of the info string (`fragment`, `output`, `usage`). */
  flags: string[];
  /** The `<!-- fragment: why -->` comment right before the fence, if any (its text after the colon). */
  fragmentComment?: string;
  /** The nearest heading above the block, without the `#`s. */
  heading: string;
  /** The block's content, without the fences, ending with a newline. */
  text: string;
}

/** README.md and docs/*.md, sorted, relative to `root`. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

const FENCE = /^(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;
const FRAGMENT_COMMENT = /^<!--\s*fragment\b:?\s*(.*?)\s*-->$/;

/** Every fenced block of one markdown document. An unclosed fence is an error (a broken doc). */
export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const h = /^#{1,6}\s+(.*)$/.exec(l);
    if (h) {
      heading = h[1]!.trim();
      continue;
    }
    const open = FENCE.exec(l);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    // The comment may sit directly above the fence, blank lines in between allowed.
    let j = start - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const comment = j >= 0 ? FRAGMENT_COMMENT.exec(lines[j]!.trim()) : null;
    blocks.push({
      file,
      line: start + 1,
      where: `${file}:${start + 1}`,
      lang: open[2]!.toLowerCase(),
      flags: open[3]!.split(/\s+/).filter(Boolean),
      ...(comment ? { fragmentComment: comment[1]! } : {}),
      heading,
      text: body.length ? `${body.join('\n')}\n` : '',
    });
  }
  return blocks;
}

/** All blocks of README.md and docs/*.md. */
export function allDocBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((f) => extractBlocks(f, readFileSync(join(root, f), 'utf8')));
}

const SHELL_LANGS = new Set(['sh', 'shell', 'bash', 'console']);
/** Documents whose ```ts blocks test/package.test.ts compiles against the packed package. */
const LIBRARY_TS_DOCS = new Set(['docs/api.md', 'README.md']);

/** What a block is, or undefined when it follows none of the conventions (the test then fails). */
export function classifyBlock(b: DocBlock): BlockKind | undefined {
  if (b.fragmentComment !== undefined || b.flags.includes('fragment')) return 'fragment';
  if (LIBRARY_TS_DOCS.has(b.file) && (b.lang === 'ts' || b.lang === 'typescript') && b.flags.length === 0)
    return 'api-ts';
  if (b.lang === 'json' && b.flags.length === 0) return 'config';
  if (b.lang === 'json' && b.flags.join(' ') === 'output') return 'output';
  if (SHELL_LANGS.has(b.lang) && b.flags.length === 0) return 'shell';
  if (b.lang === 'text' && b.flags.join(' ') === 'usage') return 'usage';
  return undefined;
}

/** One command of a shell block, as the shell would see it. */
export interface ShellCommand {
  /** `README.md:42`: the line the command starts on. */
  where: string;
  /** The command as written (continuations joined, comment dropped). */
  text: string;
  /** `NAME=value` assignments in front of the command. */
  env: Record<string, string>;
  /** The words, quotes removed. */
  argv: string[];
  /** Ended with `&`: runs in the background while the next lines run. */
  background: boolean;
  /** The `# comment` after it, if any. */
  comment?: string;
}

/** Split one command into words: '...' and "..." quoting, backslash escapes outside single quotes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unbalanced ' in: ${text}`);
      cur += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        cur += text[j];
      }
      if (j >= text.length) throw new Error(`unbalanced " in: ${text}`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Index of a `# comment` start (a `#` at a word start, outside quotes), or -1. */
function commentStart(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return i;
  }
  return -1;
}

/**
 * The commands of a shell block: `\` continuations joined, `# comments` split off, `a && b` as two
 * commands, a trailing `&` as background. Blank and comment-only lines are skipped.
 */
export function shellCommands(b: DocBlock): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = b.text.replace(/\n$/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let text = lines[i]!;
    while (/\\\s*$/.test(text) && i + 1 < lines.length)
      text = `${text.replace(/\\\s*$/, '')} ${lines[++i]!.trim()}`;
    const hash = commentStart(text);
    const comment = hash >= 0 ? text.slice(hash + 1).trim() : undefined;
    if (hash >= 0) text = text.slice(0, hash);
    text = text.trim();
    if (!text) continue;
    const where = `${b.file}:${b.line + 1 + first}`;
    const parts = text.split(/\s&&\s/);
    parts.forEach((part, n) => {
      let p = part.trim();
      const background = n === parts.length - 1 && /\s&$/.test(p);
      if (background) p = p.replace(/\s&$/, '').trim();
      const words = shellWords(p);
      const env: Record<string, string> = {};
      while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
        const w = words.shift()!;
        const eq = w.indexOf('=');
        env[w.slice(0, eq)] = w.slice(eq + 1);
      }
      out.push({
        where,
        text: p,
        env,
        argv: words,
        background,
        ...(comment && n === parts.length - 1 ? { comment } : {}),
      });
    });
  }
  return out;
}

/**
 * Parse a JSON fragment: a whole value, or object members (`"auth": {...}`) wrapped in braces.
 * Throws when it is neither (a fragment may be partial, never broken).
 */
export function parseJsonFragment(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(`{${text}}`);
  }
}
