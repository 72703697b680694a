import type { MailParserOptions } from 'mailparser';
import type { Limits } from '../limits.js';

/**
 * Options for mailparser's streaming MailParser. We turn off the work we never use: text-to-HTML
 * and link detection (we render bodies ourselves), html-to-text inside the parser (the body module
 * converts with its own settings), checksums of attachments we drop.
 */
export function mailParserOptions(limits: Limits): MailParserOptions {
  return {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    // RFC 3464 delivery-status must reach the classifier as its own part, not glued into the text.
    keepDeliveryStatus: true,
    // Keep every message/rfc822 part (a bounce's returned mail, an ARF report's original, a forwarded
    // mail) as a part whose head we capture: the classifier and threading need the original's
    // Message-Id, which mailparser drops when it inlines an embedded message.
    ignoreEmbedded: true,
    checksumAlgo: false,
    maxHeadSize: limits.maxHeaderBytes,
    maxChildNodes: limits.maxMimeParts,
  };
}
