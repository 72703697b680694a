/**
 * The ordered list of MTA-family recognisers, one module each, named after the family
 * (./<name>.ts). More specific families come first; the generic reader (./generic.ts) handles
 * the rest.
 */
import { courier } from './courier.js';
import { domino } from './domino.js';
import { exchange2003 } from './exchange2003.js';
import { exchange2007 } from './exchange2007.js';
import { exim } from './exim.js';
import { fml } from './fml.js';
import { imail } from './imail.js';
import { opensmtpd } from './opensmtpd.js';
import { googleGroups } from './google-groups.js';
import { auEzweb } from './au-ezweb.js';
import { postfix } from './postfix.js';
import { qmail } from './qmail.js';
import { sendmail } from './sendmail.js';
import type { PlainRecogniser } from './types.js';
import { yahoo } from './yahoo.js';

/**
 * Each entry keeps its own Found type; `unknown` here is sound because the dispatcher
 * (./index.ts) hands every parse only what the same family's detect returned.
 */
export const FAMILIES: PlainRecogniser<unknown>[] = [
  googleGroups,
  fml,
  imail,
  auEzweb,
  sendmail,
  yahoo,
  // Each keys on its MTA's fixed opening sentence and a mail-system sender (./sender.ts).
  qmail,
  exim,
  postfix,
  domino,
  courier,
  exchange2003,
  exchange2007,
  opensmtpd,
];
