/**
 * Delay warnings against final failures, in the MTAs' own wording. A delay warning ("still being
 * retried") is a delivery-delay; the report an MTA sends when it gives up after days of retries
 * is a bounce even when its last error was temporary (class 4) and even when a delay warning with
 * a similar subject came before it. Final wording wins over delay wording (issue #12).
 */
import { phrases } from '../text.js';

/** Subjects of delay warnings. */
export const DELAY_SUBJECT = phrases([
  '^warning: message .* delayed', // Exim warn_message_file "Warning: message <id> delayed <time>"
  '^delayed mail', // Postfix "Delayed Mail (still being retried)" (bounce_template.c)
  'delivery (status notification )?\\(?delay', // Gmail "Delivery Status Notification (Delay)", Exchange "Delivery delayed:"
  'mail delivery delayed',
  'could not send message for past', // Sendmail "Warning: could not send message for past 4 hours"
  'delivery status notification: (warning|delayed)', // OpenSMTPD bounce.c
]);

/** Prose of delay warnings (the bounce's own text, before the returned original). */
export const DELAY_WORDING = phrases([
  'this is a warning (message )?only', // Postfix delay template, Sendmail "THIS IS A WARNING MESSAGE ONLY"
  'you do not need to re-?send', // Postfix, Sendmail, OpenSMTPD
  'has not yet been delivered', // Exim warn_message_file
  "(has not|hasn't) been delivered yet", // Exchange 2007+ delay DSN
  'delivery is delayed to these recipients', // Exchange 2007+ "Delivery is delayed to these recipients or groups:"
  'is delayed for more than', // OpenSMTPD bounce.c notice_warning
  'only a temporary failure report', // OpenSMTPD bounce.c notice_warning2
  'delivery incomplete', // Gmail "** Delivery incomplete **"
  'there was a temporary problem delivering', // Gmail delay
  'will (be retried|retry|keep trying|continue to be attempted)', // Postfix, Gmail, Sendmail, Exchange
  'message still undelivered after', // Sendmail "Warning: message still undelivered after 4 hours"
]);

/** Prose that says the MTA has given up: the report is final whatever the subject said before. */
export const FINAL_WORDING = phrases([
  'failed permanently', // Gmail "Delivery to the following recipient failed permanently"
  'message not delivered', // Gmail "** Message not delivered **"
  'this is a permanent error', // Exim bounce_message_file
  'permanent fatal errors?', // Sendmail "The following addresses had permanent fatal errors"
  'delivery has failed to these recipients', // Exchange 2007+, Office 365
  'an error has occurred while attempting to deliver', // OpenSMTPD bounce.c notice_error
  "i'm sorry to have to inform you", // Postfix failure template (bounce_template.c)
  'giving up', // qmail "Giving up on <host>"
  'retry timeout exceeded', // Exim
  '(message|envelope) expired', // OpenSMTPD "Envelope expired", Exchange "QUEUE.Expired; message expired"
]);

/** True when the report is a delay warning and nothing in its prose says it is final. */
export function isDelayNotice(subject: string, head: string): boolean {
  return (DELAY_SUBJECT.test(subject) || DELAY_WORDING.test(head)) && !FINAL_WORDING.test(head);
}
