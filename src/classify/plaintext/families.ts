/**
 * The ordered list of MTA-family recognisers. More specific families come first; the generic
 * reader (./generic.ts) handles the rest.
 */
import { googleGroups } from './google.js';
import type { PlainRecogniser } from './types.js';

export const FAMILIES: PlainRecogniser[] = [googleGroups];
