/**
 * The ordered list of MTA-family recognisers. More specific families come first.
 */
import type { PlainRecogniser } from './types.js';

export const FAMILIES: PlainRecogniser[] = [];
