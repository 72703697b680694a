/**
 * Where a plain-text bounce's own prose ends and the returned original begins. The markers are
 * the separators real MTAs write (qmail, Exim, Postfix, Sendmail, Gmail, Domino, Courier, ...).
 */
const RETURNED_MARKERS: RegExp[] = [
  /^-+ ?This is a copy of the message/im, // Exim
  /^-+ ?Below this line is a copy of the message/im, // qmail
  /^-+ ?(The )?(header|headers) of the original message (is|are) following/im, // 1&1, GMX
  /^-+ ?Original message -+/im, // Gmail, Google Groups
  /^-+ ?Original message follows/im,
  /^Original message follows\.?$/im, // IMail
  /^-+ ?Returned Message -+/im, // Notes
  /^-+ ?original message$/im, // m-FILTER
  /^Message headers follow\.?$/im, // DragonFly
  /^Included is a copy of the message header/im, // MXLogic
  /^-+ ?Original message header/im,
  /^-+ ?Original Message -+/im,
  /^Original message headers:?$/im, // Exchange 2007
  /^-+ ?Unsent message below/im, // Sendmail
  /^-+ ?Message (text|header|headers) follows?/im,
  /^The original message (headers are|header is|was)? ?(included|attached) (below|as attachment)/im,
  /^-+ ?Your message follows/im,
  /^-+ ?Copy of the message follows/im,
  /^-+Forwarded message-+/im,
  /^Below is a copy of the original message/im,
  /^-+ ?The following is (the|a copy of the) (original )?message/im,
  /^Original-Message:?$/im,
  /^-+ ?original message headers/im,
];

/** A quoted header block with no separator before it: three header lines in a row at column 0. */
const HEADER_LINE =
  /^(received|return-path|message-id|from|to|cc|date|subject|mime-version|content-type|dkim-signature|delivered-to|reply-to|user-agent|x-[a-z0-9-]+)\s*:/i;

function quotedHeaderOffset(body: string): number {
  const lines = body.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    if (HEADER_LINE.test(lines[i]!)) {
      let count = 0;
      for (let j = i; j < lines.length && count < 3; j++) {
        if (HEADER_LINE.test(lines[j]!)) count++;
        else if (!/^[ \t]+\S/.test(lines[j]!)) break;
      }
      if (count >= 3) return offset;
    }
    offset += lines[i]!.length + 1;
  }
  return body.length;
}

/** Offset where the returned original starts in a bounce body, or the body length. */
export function returnedOriginalOffset(body: string): number {
  let cut = quotedHeaderOffset(body);
  for (const re of RETURNED_MARKERS) {
    const m = re.exec(body);
    if (m && m.index < cut) cut = m.index;
  }
  return cut;
}
