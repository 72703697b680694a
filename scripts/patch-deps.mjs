#!/usr/bin/env node
/**
 * Install-time patches to dependencies, applied by `npm ci` / `npm install` of THIS repository
 * (postinstall) and by the Dockerfile; never when mail2ticket is installed as someone else's
 * dependency (INIT_CWD is then their project), never failing the install: a patch whose target text
 * is not found exactly (another version) is skipped with one line, and the code runs unpatched.
 *
 * @zone-eu/mailsplit 5.4.30, lib/message-splitter.js, MessageSplitter#_transform's iterateData:
 * it looks for the next LF one byte at a time in JavaScript. On the benchmark corpus (147 MiB, most
 * of it base64 lines of attachments that are only counted) that loop was 423 ms of self time in a
 * 7.5 s single-thread profile; `Buffer#indexOf` finds the same LF natively. Measured, --jobs 1,
 * three alternated pairs: 1.1 to 2.4 s less user CPU of 19 to 21 s (docs/benchmarks.md, issue 15).
 * The bytes the splitter hands on are unchanged (the same `i` is reached); worth upstreaming.
 *
 * The same loop then hands every line of a part's body to processLine, which slices it, checks it
 * for a boundary and returns a data object, only for the loop to extend the body group by it. In
 * the body of a part, a line can only change anything when it is a boundary line (RFC 2046 5.1.1:
 * it starts with "--"; checkBoundary also looks past a CR or LF in front). So while the current
 * group is this part's body, the lines up to the next one starting with "-", CR or LF extend the
 * group directly, exactly as processLine and onLine would have: `i`, `pos` and `groupend` end where
 * they would. Base64 attachments are almost all such lines (2 million on the benchmark corpus).
 *
 * sanitize-html 2.17.5, index.js, escapeHtml: every text run and attribute value of every element
 * goes through four to six global `replace` calls, each allocating, although almost none contains
 * `&`, `<`, `>` or `"`. Those four characters are the only ones any of the calls rewrites, so a
 * string without them is returned as it is, which is what the calls would have returned. It was
 * 0.43 s of a 2.7 s sanitize pass over the corpus's 983 HTML bodies (issue 15).
 *
 * sanitize-html 2.17.5, index.js, the output: it is built by `result += ...`, one piece per tag,
 * attribute and text run, which V8 keeps as a rope (a tree of concatenations) until something reads
 * the characters. Every piece of a rope alive at a minor GC is copied, and at the second one moved
 * to the old generation: over the benchmark corpus the ropes were the largest share of what the
 * thread that sanitizes promotes (a sampling profile of what survived minor GCs, tenth session,
 * docs/benchmarks.md), and a rope takes about 8 times the memory of the same text flat. Reading
 * one character flattens a rope in place (V8 copies it into one flat string the rope then points
 * to), so at a closing tag, whenever the output has grown by a quarter (at least 16 Ki characters)
 * since the last time, it is flattened: the value is the same string, and the copying is at most
 * about five times the output's length. Measured: the sanitizing thread's minor GCs took 0.41 s
 * instead of 0.55 s.
 *
 * The same file: every element's frame gets two closures of its own, and every text run is also
 * appended to its element's `text`, and each element's text to its parent's, when it closes: a
 * second rope of the whole document's text per open element. Only `exclusiveFilter`, which we do
 * not use, reads that text or the media children; so the methods are shared, and the text and
 * media children are only collected when an exclusiveFilter is given (CPU profile: 93 ms of the
 * sanitizing thread's 4.2 s in Frame and updateParentNodeText).
 *
 * @zone-eu/mailsplit 5.4.30, lib/chunked-passthrough.js: mailparser passes every byte of a mail
 * through it, and it copies every chunk with Buffer.concat([this.buffer, chunk]), even when
 * nothing is pending (Buffer.concat always copies): 141 MiB of copies over the benchmark corpus,
 * the largest source of the parse worker's ArrayBuffers. With nothing pending, a chunk of at least
 * chunkSize is handed on as it is, and a smaller one is kept (not copied) until the next; the chunks
 * handed on hold the same bytes at the same boundaries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const PATCHES = [
  {
    name: '@zone-eu/mailsplit: find the next LF with Buffer#indexOf',
    file: 'node_modules/@zone-eu/mailsplit/lib/message-splitter.js',
    marker: 'mail2ticket patch: indexOf',
    from: `                if (chunk[i] !== 0x0a) {
                    i++;
                    continue;
                }`,
    to: `                if (chunk[i] !== 0x0a) {
                    // mail2ticket patch: indexOf (scripts/patch-deps.mjs)
                    const lf = chunk.indexOf(0x0a, i);
                    i = lf < 0 ? chunk.length : lf;
                    continue;
                }`,
  },
  {
    name: '@zone-eu/mailsplit: extend a body by the lines that cannot be boundary lines at once',
    file: 'node_modules/@zone-eu/mailsplit/lib/message-splitter.js',
    marker: 'mail2ticket patch: body lines',
    from: `        iterateData = () => {
            yieldPos = i;
            while (i < chunk.length) {
`,
    to: `        iterateData = () => {
            yieldPos = i;
            while (i < chunk.length) {
                // mail2ticket patch: body lines (scripts/patch-deps.mjs)
                if (
                    i === pos &&
                    this.state === BODY &&
                    group.type !== 'none' &&
                    group.type === (this.node.multipart ? 'data' : 'body') &&
                    !this.lineLength &&
                    !this.pendingLineTruncated &&
                    chunk[i] !== 0x2d &&
                    chunk[i] !== 0x0d &&
                    chunk[i] !== 0x0a
                ) {
                    let last = -1;
                    for (let lf = chunk.indexOf(0x0a, i); lf >= 0; lf = chunk.indexOf(0x0a, lf + 1)) {
                        last = lf;
                        const next = chunk[lf + 1];
                        if (next === 0x2d || next === 0x0d || next === 0x0a) {
                            break;
                        }
                    }
                    if (last >= 0) {
                        i = pos = groupend = last + 1;
                        continue;
                    }
                }
`,
  },
  {
    name: 'sanitize-html: escapeHtml returns a string with nothing to escape as it is',
    file: 'node_modules/sanitize-html/index.js',
    marker: 'mail2ticket patch: escape fast path',
    from: `  function escapeHtml(s, quote) {
    if (typeof (s) !== 'string') {
      s = s + '';
    }
`,
    to: `  function escapeHtml(s, quote) {
    if (typeof (s) !== 'string') {
      s = s + '';
    }
    // mail2ticket patch: escape fast path (scripts/patch-deps.mjs): only these four are rewritten
    if (!/[&<>"]/.test(s)) {
      return s;
    }
`,
  },
  {
    name: 'sanitize-html: flatten the output as it grows',
    file: 'node_modules/sanitize-html/index.js',
    marker: 'mail2ticket patch: flatten',
    hunks: [
      {
        from: `  let result = '';
`,
        to: `  let result = '';
  // mail2ticket patch: flatten (scripts/patch-deps.mjs): the output's length at its next flattening
  let flattenAt = 16384;
`,
      },
      {
        from: `      result += '</' + name + '>';
`,
        to: `      result += '</' + name + '>';
      if (result.length >= flattenAt) {
        // reading a character flattens the rope in place: the same string, one copy
        result.charCodeAt(0);
        flattenAt = result.length + Math.max(16384, result.length >> 2);
      }
`,
      },
    ],
  },
  {
    name: 'sanitize-html: shared frame methods, frame text only for exclusiveFilter',
    file: 'node_modules/sanitize-html/index.js',
    marker: 'mail2ticket patch: frames',
    hunks: [
      {
        from: `    this.mediaChildren = [];

    this.updateParentNodeText = function() {
      if (stack.length) {
        const parentFrame = stack[stack.length - 1];
        parentFrame.text += that.text;
      }
    };

    this.updateParentNodeMediaChildren = function() {
      if (stack.length && mediaTags.includes(this.tag)) {
        const parentFrame = stack[stack.length - 1];
        parentFrame.mediaChildren.push(this.tag);
      }
    };
  }
`,
        to: `    this.mediaChildren = [];
  }
  // mail2ticket patch: frames (scripts/patch-deps.mjs): methods shared by every frame; text and
  // media children are read by exclusiveFilter only, and collected only when there is one
  Frame.prototype.updateParentNodeText = function() {
    if (options.exclusiveFilter && stack.length) {
      stack[stack.length - 1].text += this.text;
    }
  };
  Frame.prototype.updateParentNodeMediaChildren = function() {
    if (options.exclusiveFilter && stack.length && mediaTags.includes(this.tag)) {
      stack[stack.length - 1].mediaChildren.push(this.tag);
    }
  };
`,
      },
      {
        from: `      if (stack.length) {
        const frame = stack[stack.length - 1];
        frame.text += text;
      }
`,
        to: `      if (options.exclusiveFilter && stack.length) {
        const frame = stack[stack.length - 1];
        frame.text += text;
      }
`,
      },
    ],
  },
  {
    name: '@zone-eu/mailsplit: ChunkedPassthrough hands chunks on without copying them',
    file: 'node_modules/@zone-eu/mailsplit/lib/chunked-passthrough.js',
    marker: 'mail2ticket patch: no copy',
    from: `    _transform(chunk, encoding, callback) {
        this.buffer = Buffer.concat([this.buffer, chunk]);
`,
    to: `    _transform(chunk, encoding, callback) {
        // mail2ticket patch: no copy (scripts/patch-deps.mjs): nothing pending, nothing to join
        if (this.buffer.length === 0) {
            if (chunk.length >= this.chunkSize) {
                this.push(chunk);
            } else {
                this.buffer = chunk;
            }
            callback();
            return;
        }
        this.buffer = Buffer.concat([this.buffer, chunk]);
`,
  },
];

/** A patch's replacements: one, or several that are applied together (`hunks`). */
export function hunksOf(p) {
  return p.hunks ?? [{ from: p.from, to: p.to }];
}

/** Apply every patch under `dir`; one line each: applied, already applied, or skipped and why. */
export function applyPatches(dir = root) {
  const lines = [];
  for (const p of PATCHES) {
    const file = join(dir, p.file);
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      lines.push(`skipped (${p.name}): ${p.file} not found`);
      continue;
    }
    const hunks = hunksOf(p);
    if (text.includes(p.marker)) lines.push(`already applied: ${p.name}`);
    else if (hunks.some((h) => text.split(h.from).length !== 2))
      lines.push(`skipped (${p.name}): the code to patch is not there exactly once`);
    else {
      // all or none: every hunk's target was found once above
      for (const h of hunks) text = text.replace(h.from, () => h.to);
      writeFileSync(file, text);
      lines.push(`applied: ${p.name}`);
    }
  }
  return lines;
}

/**
 * The postinstall entry: patches this repository's own install. The published package does not
 * ship this file, and its postinstall imports it with the failure ignored, so installing
 * mail2ticket as a dependency changes nothing in the consumer's node_modules.
 */
export function main() {
  // Installed as another project's dependency (a linked or packed checkout): leave it alone.
  const installedHere = !process.env.INIT_CWD || resolve(process.env.INIT_CWD) === root;
  try {
    if (installedHere) for (const l of applyPatches()) process.stdout.write(`mail2ticket patch-deps: ${l}\n`);
  } catch (err) {
    process.stdout.write(
      `mail2ticket patch-deps: not applied: ${err instanceof Error ? err.message : err}\n`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
