export { checkPaths, fileInput, readSources } from './files.js';
export { readMbox, scanMbox } from './mbox.js';
export type { MailInput } from './types.js';
