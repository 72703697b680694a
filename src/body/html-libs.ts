import { createRequire } from 'node:module';
import type * as HtmlToText from 'html-to-text';
import type * as Htmlparser2 from 'htmlparser2';

/**
 * htmlparser2 and html-to-text, loaded as the CommonJS instances sanitize-html uses.
 *
 * Why: htmlparser2 ships an ES module build and a CommonJS build of the same code (its package.json
 * `exports`). sanitize-html is CommonJS, so its `require('htmlparser2')` loads the CommonJS build;
 * an `import` from our ES modules (or from html-to-text's .mjs) loaded the other one. Every mail's
 * HTML then ran through two copies of the tokenizer and parser, each interpreted, profiled and
 * optimised by V8 on its own, in every thread (Node's "dual package hazard"). Measured on the
 * replay benchmark corpus (docs/benchmarks.md, "issue 15, third session"), `--jobs 1`: 543 instead
 * of 572 TurboFan compiles, 4.5 instead of 5.1 s of compile time on V8's helper threads; the wall
 * time moved less than the host's noise. The output is the same.
 *
 * mailparser's ES module build still imports html-to-text's (and so htmlparser2's) ES module build,
 * but we switch its html-to-text off (src/parse/mailparser-options.ts): that copy is loaded, never
 * run. test/html-libs.test.ts checks the instances are sanitize-html's.
 */
const require = createRequire(import.meta.url);

/** The htmlparser2 instance sanitize-html parses with (one instance: see above). */
export const htmlparser2 = require('htmlparser2') as typeof Htmlparser2;

/** html-to-text's CommonJS build, which parses with the same htmlparser2 instance. */
export const htmlToTextModule = require('html-to-text') as typeof HtmlToText;
