/**
 * The ordered list of MTA-family recognisers. More specific families come first; the generic
 * reader (./generic.ts) handles the rest.
 */
import { courier } from './courier.js';
import { domino } from './domino.js';
import { exchange2003 } from './exchange.js';
import { exim } from './exim.js';
import { fml } from './fml.js';
import { googleGroups } from './google.js';
import { auMobile } from './jp-mobile.js';
import { postfix } from './postfix.js';
import { qmail } from './qmail.js';
import { sendmailTranscript } from './sendmail.js';
import type { PlainRecogniser } from './types.js';
import { yahoo } from './yahoo.js';

export const FAMILIES: PlainRecogniser[] = [
  googleGroups,
  fml,
  auMobile,
  sendmailTranscript,
  yahoo,
  // Each keys on its MTA's fixed opening sentence and a mail-system sender (./sender.ts).
  qmail,
  exim,
  postfix,
  domino,
  courier,
  exchange2003,
];
