/**
 * The ordered list of MTA-family recognisers. More specific families come first; the generic
 * reader (./generic.ts) handles the rest.
 */
import { fml } from './fml.js';
import { googleGroups } from './google.js';
import { auMobile } from './jp-mobile.js';
import { sendmailTranscript } from './sendmail.js';
import type { PlainRecogniser } from './types.js';
import { yahoo } from './yahoo.js';

export const FAMILIES: PlainRecogniser[] = [googleGroups, fml, auMobile, sendmailTranscript, yahoo];
