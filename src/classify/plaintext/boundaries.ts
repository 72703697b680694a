/**
 * Where a plain-text bounce's own prose ends and the returned original begins. The markers are
 * the separators real MTAs write (qmail, Exim, Postfix, Sendmail, Gmail, Domino, Courier, ...),
 * each possibly indented (some MTAs indent their whole notice; a forwarding agent may too).
 */
export const RETURNED_MARKERS: readonly RegExp[] = [
  /^[ \t]*-+ ?This is a copy of the message/im, // Exim
  /^[ \t]*-+ ?Below this line is a copy of the message/im, // qmail
  /^[ \t]*-+ ?Below the next line is a copy of the message/im, // qmail derivatives
  /^[ \t]*-+ ?Enclosed are the original headers of the message/im, // qmail-ldap
  /^[ \t]*-+ ?(The )?(header|headers) of the original message (is|are) following/im, // 1&1, GMX
  /^[ \t]*[-=]+ ?Original message ?[-=]+/im, // Gmail, Google Groups, Domino "---- Original message ----"
  /^[ \t]*-+ ?(Your )?Original message follows/im, // Sendmail "----- Original message follows -----"
  /^[ \t]*Original message follows\.?$/im, // IMail (./imail.ts)
  /^[ \t]*-+ ?Returned Message -+/im, // Notes
  /^[ \t]*-+ ?original message$/im, // m-FILTER
  /^[ \t]*Message headers follow\.?$/im, // DragonFly
  /^[ \t]*Included is a copy of the message header/im, // MXLogic
  /^[ \t]*-+ ?Original message header/im,
  /^[ \t]*Original message headers:?$/im, // Exchange 2007
  /^[ \t]*-+ ?Unsent message below/im, // Sendmail
  /^[ \t]*-* ?Message (text|header|headers) follows?/im, // Smail "Message text follows:"
  /^[ \t]*The original message (headers are|header is|was)? ?(included|attached) (below|as attachment)/im,
  /^[ \t]*-+ ?Your message follows/im,
  /^[ \t]*-+ ?Copy of the message follows/im,
  /^[ \t]*-+ ?Forwarded message ?-+/im,
  /^[ \t]*Below is a copy of the original message/im, // OpenSMTPD bounce.c
  /^[ \t]*A copy of the original message (is )?below/im, // EarthLink
  /^[ \t]*-+ ?The header and top \d+ lines of the message follows/im, // IceWarp (Merak)
  /^[ \t]*-+ ?(START OF )?RETURNED (MESSAGE|MAIL)( FOLLOWS)? ?-+/im, // usa.net, Demon
  /^[ \t]*-+ ?The following is (the|a copy of the) (original )?message/im,
  /^[ \t]*Original-Message:?$/im,
  /^[ \t]*-+ ?original message headers/im,
];

/**
 * A quoted header block with no separator before it: three header lines in a row at column 0. Read
 * in place at each line start (sticky), not by splitting the body into lines: a header name, then
 * spaces that stay on the line (a line of the split body had no "\n" for `\s*` to cross), then ":".
 */
const HEADER_LINE_AT =
  /(?:received|return-path|message-id|from|to|cc|date|subject|mime-version|content-type|dkim-signature|delivered-to|reply-to|user-agent|x-[a-z0-9-]+)[^\S\n]*:/iy;

/** A folded continuation line: indented, then something (RFC 5322 2.2.3). */
const CONTINUATION_AT = /[ \t]+\S/y;

/** Whether the sticky `re` matches at `at` (neither pattern can cross a line end). */
function matchesAt(re: RegExp, body: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(body);
}

/** The offset of the first line that starts a quoted header block (see HEADER_LINE_AT), or the length. */
export function quotedHeaderOffset(body: string): number {
  for (let line = 0; ; ) {
    if (matchesAt(HEADER_LINE_AT, body, line)) {
      let count = 0;
      for (let next = line; count < 3; ) {
        if (matchesAt(HEADER_LINE_AT, body, next)) count++;
        else if (!matchesAt(CONTINUATION_AT, body, next)) break;
        const nl = body.indexOf('\n', next);
        if (nl < 0) break;
        next = nl + 1;
      }
      if (count >= 3) return line;
    }
    const nl = body.indexOf('\n', line);
    if (nl < 0) return body.length;
    line = nl + 1;
  }
}

/** What every marker starts with: at a line start, possibly indented. */
export const MARKER_LEAD = '^[ \\t]*';

/**
 * The markers as one pattern, for one pass over the body instead of one per marker (this runs for
 * every mail, and 27 full scans were about 0.5 s of a corpus replay). A regex finds the leftmost
 * position where any alternative matches, which is the earliest of the markers' first matches.
 * All of them are /im and start with MARKER_LEAD (test/classify-boundaries.test.ts checks both),
 * which is written once in front of the alternation: V8 tried each alternative's own lead at every
 * position of every body, 58 ms per pass over the benchmark corpus's bodies against 6 ms factored
 * (with the header scan above; issue 15, eighth session).
 */
export const ANY_RETURNED_MARKER = new RegExp(
  `${MARKER_LEAD}(?:${RETURNED_MARKERS.map((re) => `(?:${re.source.slice(MARKER_LEAD.length)})`).join('|')})`,
  'im',
);

/** Offset where the returned original starts in a bounce body, or the body length. */
export function returnedOriginalOffset(body: string): number {
  const cut = quotedHeaderOffset(body);
  const m = ANY_RETURNED_MARKER.exec(body);
  return m && m.index < cut ? m.index : cut;
}
