/**
 * Real bounces from the BSD-2 corpus (fixtures/bounce-corpus; `from` is relative to it), copied
 * byte for byte into fixtures/mail under a fixture name; the corpus licence travels with them.
 */
export const BOUNCES: { from: string; to: string }[] = [
  { from: 'eml/lhost-postfix-01.eml', to: '049-bounce-postfix.eml' },
  { from: 'eml/lhost-exim-01.eml', to: '050-bounce-exim.eml' },
  { from: 'eml/lhost-qmail-01.eml', to: '051-bounce-qmail.eml' },
  { from: 'eml/lhost-office365-01.eml', to: '052-bounce-office365.eml' },
  { from: 'eml/lhost-exchange2007-01.eml', to: '053-bounce-exchange2007.eml' },
  { from: 'eml/lhost-gmail-01.eml', to: '054-bounce-gmail.eml' },
  { from: 'eml/lhost-amazonses-01.eml', to: '055-bounce-amazonses.eml' },
  { from: 'eml/arf-01.eml', to: '056-bounce-feedback-report-arf.eml' },
];

export const BOUNCE_LICENSE = { from: 'LICENSE', to: 'LICENSE.bounce-corpus' };
