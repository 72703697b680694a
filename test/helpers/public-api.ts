/** The value exports of the package root (docs/api.md); everything else it exports is a type. */
export const VALUE_EXPORTS = [
  'Mail2TicketError',
  'isMail2TicketError',
  'mapMail',
  'parseConfig',
  'replay',
  'startSandbox',
] as const;
