/**
 * Writes the sample mails 001-056 in fixtures/mail/ (`node --import tsx scripts/make-fixture-mails.ts`).
 * The .eml files are committed; the sources in scripts/fixture-mails/ (one file a theme) document
 * how their bytes were made and remake them byte for byte, which test/fixture-sources.test.ts checks.
 */
import { fileURLToPath } from 'node:url';
import { writeFixtureMails } from './fixture-mails/index.js';

const outDir = fileURLToPath(new URL('../fixtures/mail/', import.meta.url));
const written = writeFixtureMails(outDir);
console.log(`wrote ${written.length} files to ${outDir}`);
