/**
 * Failure reasons named by the prose of bounces and SMTP replies. Used to infer a status when the
 * bounce gives none (see ./status.ts). The reason names are Sisimai's, whose vocabulary is the de
 * facto standard for bounce reasons. Checked in order: the more specific wording first.
 */
export type Reason =
  | 'undefined'
  | 'onhold'
  | 'syntaxerror'
  | 'norelaying'
  | 'filtered'
  | 'userunknown'
  | 'hostunknown'
  | 'hasmoved'
  | 'rejected'
  | 'suspend'
  | 'mailboxfull'
  | 'exceedlimit'
  | 'toomanyconn'
  | 'systemerror'
  | 'systemfull'
  | 'notaccept'
  | 'mesgtoobig'
  | 'mailererror'
  | 'networkerror'
  | 'expired'
  | 'contenterror'
  | 'securityerror'
  | 'blocked'
  | 'policyviolation'
  | 'virusdetected'
  | 'requireptr'
  | 'badreputation'
  | 'authfailure'
  | 'failedstarttls'
  | 'spamdetected';

const TABLE: [Reason, RegExp][] = [
  // A domain (not a mailbox) that does not exist, before the mailbox wording below catches it.
  [
    'hostunknown',
    /\bdomain (name )?(does not|doesn't|may not) exist|(?<![@\w.-])[a-z0-9-]+(\.[a-z0-9-]+)+\.? (does not|doesn't) exist/i,
  ],
  ['notaccept', /no (smtp service|mx record)|indicated no smtp|null mx|does not accept (e-?)?mail/i],
  // The remote side would not (or could not) secure the session the sender's policy demanded.
  [
    'failedstarttls',
    /(does not|doesn't) (support|offer) (tls|starttls)|starttls is required|tls required but not supported|tls (negotiation|handshake) failed|must issue a starttls/i,
  ],
  [
    'mailboxfull',
    /mailbox (is )?full|mailbox exceeded|mailbox.{0,30}(over|exceeded).{0,10}quota|over ?quota|quota (exceeded|full)|exceeded (its|the|his|her)? ?(storage|quota)|(disk|storage|mailbox) quota|mailbox size limit|user.{0,20}(over|exceeds?).{0,15}(quota|storage)|insufficient (storage|space) (in|for) (the )?mailbox|not enough (storage|space)|mailfolder is full|mail box (is )?full|is over( the)? (allowed |storage |disk )?(limit|quota)|recipient.{0,20}(mailbox|inbox) is (full|out of storage)|out of storage/i,
  ],
  // After mailbox full: Exim writes "mailbox is full: retry timeout exceeded" for a full mailbox.
  [
    'expired',
    /did not accept our requests to connect|retry timeout exceeded|queue\.expired|message expired|not (been )?delivered within/i,
  ],
  [
    'mesgtoobig',
    /message (size |length )?(is )?too (big|large)|(message|mail) size (exceeds|is larger)|exceeds? (the )?(fixed |maximum |max\.? )?(message |email )?size|size (of this message )?exceeds? .{0,30}limit|message (file )?too big|larger than (the )?(current )?(system )?limit|exceeded the max(imum)? (email |message )?size/i,
  ],
  [
    'exceedlimit',
    /message header size exceeds|too many recipients|recipient limit|exceeded (the )?(maximum )?number of recipients/i,
  ],
  ['hasmoved', /address has (been )?(moved|changed)|user has moved|has moved (to|on)/i],
  [
    'norelaying',
    /relay(ing)? (access )?(denied|not (permitted|allowed))|unable to relay|not (permitted|allowed) to relay|we do not relay|relay(ing)? prohibited|relaying (mail )?(to .{0,40})?(is )?not allowed|no relaying|cannot relay/i,
  ],
  [
    'suspend',
    /(account|mailbox|address|user)( has been| is|'s)? (temporarily )?(disabled|suspended|deactivated|inactive|locked|expired|frozen)|(disabled|suspended|inactive|deactivated) (account|mailbox|user)|mailbox (currently )?not active|not an active (user|account)|account (has been )?(terminated|closed)|recipient (mailbox )?is (inactive|disabled)|is a deactivated mailbox|is inactive/i,
  ],
  ['virusdetected', /virus|malware|infected|malicious (content|attachment)/i],
  [
    'authfailure',
    /\b(dmarc|spf|dkim)\b.{0,60}(fail|reject|policy|not (pass|accepted|authorized))|(fail|reject|did not pass).{0,40}\b(dmarc|spf|dkim)\b|unauthenticated (email|mail|sender)|sender policy framework|not authorized to send|authentication (check )?failed|does not designate/i,
  ],
  [
    'requireptr',
    /reverse (dns|lookup)|\bptr\b|no (rdns|reverse)|cannot find your hostname|rdns|(client|ip) .{0,30}(does not|doesn't) (resolve|have a (valid )?(hostname|name))|unresolvable (client )?(address|host)/i,
  ],
  [
    'userunknown',
    /(user|recipient|address|mailbox|account|addressee|local part|person|name)( is)? (unknown|not (found|known|listed|exist(ent|s)?|valid|recognized|available|registered))|unknown (user|recipient|local|address|mailbox|alias|account)|no such (user|recipient|mailbox|address|account|person|local user)|(does not|doesn't|did not) (exist|match any)|invalid (recipient|mailbox|address|user)|not listed in (domino|the (public )?(name and address book|directory))|no mailbox (here|by that name)|unrouteable address|bad destination (mailbox|address)|mailbox (not found|unavailable|does not exist|name not allowed)|recipient (address )?rejected|no valid recipients|user doesn't have a .{0,20}account|not a valid (user|mailbox|recipient)|unknown or illegal alias|is not a known user|addressee unknown|undeliverable address|account that you tried to reach does not exist|could not be found|nonexistent|non-existent (user|recipient|address|mailbox)|mailbox (is )?(disabled|not exist)|unknown in (virtual|relay) (mailbox|recipient) table|destination addresses? (were|was) unknown|user not found|user unknown|not our customer|invalid .{0,20}userid|unable to (find|locate) (the )?recipient|there is no one at this address|invalid address|no such address|no such mailbox/i,
  ],
  [
    'hostunknown',
    /host (or domain name )?(not found|unknown)|unknown host|domain (name )?(not found|does not exist|unknown|not exist)|no such domain|unrouteable (mail )?domain|name (service|server) error|host not found|no such host|(domain|host) lookup failed|dns (error|lookup)|could not be resolved|unresolvable (domain|host)|illegal host\/domain name|host name lookup failure|domain (is )?invalid|invalid domain|unknown domain|unrouteable/i,
  ],
  [
    'notaccept',
    /(does not|doesn't|do not|will not) accept (any )?(e-?)?mail|null mx|no mx|not accepting (any )?(e-?)?mail|accepts no mail|does not receive mail/i,
  ],
  [
    'spamdetected',
    /\bspam\b|junk mail|bulk mail|unsolicited|message (content )?(was )?rejected (as|because).{0,30}(spam|content)|(looks|appears) like (spam|junk)|spam ?score|classified as (spam|junk)|blocked for spam|high probability of being spam|content filter|message filtered/i,
  ],
  [
    'badreputation',
    /(ip|domain|sender)( address)? reputation|poor reputation|low reputation|rate of (spam|complaints)/i,
  ],
  // An address (the sender's, not a host's IP) on a blocklist is a refusal of the sender.
  ['rejected', /(to\/from|sender|from) (an )?address (that )?(has been|is) (black|block)listed/i],
  [
    'blocked',
    /\bopen relay|no access from (mail )?server|\bblock(ed|list(ed)?)\b|black ?list(ed)?|listed (at|in|on|by)|\b(rbl|dnsbl|spamhaus|spamcop|sorbs|barracuda( reputation)?)\b|client host .{0,30}rejected|connection (refused|rejected|denied)|(ip|host|client) (address )?(is )?(not allowed|rejected|refused|denied|banned)|access denied|not allowed to (connect|send)|(your|the) (ip|server|network|host).{0,40}(blocked|rejected|banned|not permitted)/i,
  ],
  [
    'filtered',
    /filter(ed)?|(recipient|user)('s)? (preferences|settings|rules)|refuse(d)? to (receive|accept)|only accept(ing)? (mail|messages) from|not authori[sz]ed to (send|email|deliver)|delivery not authorized|user reject|restricted|(sender|you) (is|are|has been) blocked by (the )?recipient|this account is protected/i,
  ],
  [
    'rejected',
    /sender (address )?(rejected|denied|refused|verify failed|not (allowed|accepted))|(mail )?from .{0,60}(rejected|refused|denied)|rejected (the )?sender|domain of sender address|sender domain|envelope sender|return path|bad sender|invalid sender|sender (is )?(unknown|invalid|not allowed)|address rejected|rejected|refused|denied|administrative prohibition|not accepted|unacceptable/i,
  ],
  ['policyviolation', /policy|prohibited|not permitted|violat/i],
  [
    'securityerror',
    /\btls\b|starttls|certificate|encryption|authentication (required|needed)|must (issue|use) (a )?(starttls|auth)|security/i,
  ],
  [
    'toomanyconn',
    /too many (connections|simultaneous|concurrent|sessions|messages|errors)|rate limit|ratelimit|rate[- ]limited|throttl|try (again )?later.{0,30}too many|exceeded the rate|sending rate/i,
  ],
  [
    'expired',
    /retry (time(out)? )?(exceeded|expired)|retry timeout|(message|delivery) (time )?expired|queue (time )?expired|could not be delivered (for|within|in) .{0,20}(days?|hours?)|unable to deliver (this message )?after|delivery (attempts )?(will continue|has been delayed|time expired)|has not been delivered .{0,40}(days?|hours?)|giving up|gave up|retry time not reached.{0,40}long failure period|timed? ?out|too long in (the )?queue|expired|no answer from host|could not deliver .{0,40}(days?|hours?)/i,
  ],
  [
    'mailererror',
    /pipe to \||\|\S+: |x-unix|command (died|failed|output)|exit (code|status)|mailer error|procmail|unknown mailer|local delivery failed|child process/i,
  ],
  [
    'systemfull',
    /insufficient system (storage|resources)|(mail )?system (is )?full|disk (is )?full|no space left|out of disk/i,
  ],
  [
    'networkerror',
    /network (is )?(error|unreachable)|no route to host|(mail )?loop|too many hops|hop count exceeded|routing loop|connection (lost|dropped|reset|closed)|lost connection|unable to connect|could not connect|can't connect|host unreachable|connection timed out/i,
  ],
  [
    'systemerror',
    /system error|server error|internal error|local configuration error|configuration error|(local|remote) (mail )?(system|server) (error|problem)|temporary (local )?problem|loops back to myself|service (not available|unavailable)|mail server (is )?(down|not responding)/i,
  ],
  [
    'contenterror',
    /content|invalid (header|character|mime)|malformed|header (syntax|error)|8-?bit|line too long|encoding/i,
  ],
  ['syntaxerror', /syntax error|command unrecognized|unrecognized command|bad sequence/i],
];

export type SmtpCommand = 'CONN' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA';

/** SMTP verbs (RFC 5321 section 4.1.1) as the command a reply answered; HELO is EHLO's older form. */
const VERBS: Record<string, SmtpCommand> = {
  EHLO: 'EHLO',
  HELO: 'EHLO',
  MAIL: 'MAIL',
  RCPT: 'RCPT',
  DATA: 'DATA',
};

/** The command a transcript's verb (">>> RCPT TO:<...>", any case) names, or undefined. */
export function commandOfVerb(verb: string): SmtpCommand | undefined {
  return VERBS[verb.toUpperCase()];
}

/** The SMTP command a diagnostic says the failure answered, when it says so. */
export function smtpCommand(text: string): SmtpCommand | undefined {
  if (
    /(in reply to|after|did not like our|for) (end of |final )?data\b|\bDATA command|SMTP command:?\s*(-+\s*)?DATA\b|<<< DATA|\(data\)/i.test(
      text,
    )
  )
    return 'DATA';
  if (/(in reply to|after|did not like our) RCPT|RCPT TO command/i.test(text)) return 'RCPT';
  if (/(in reply to|after|did not like our) MAIL( FROM)?\b|MAIL FROM command/i.test(text)) return 'MAIL';
  if (/(in reply to|after) (EHLO|HELO)/i.test(text)) return 'EHLO';
  if (/after (the )?initial connection|greeting|banner/i.test(text)) return 'CONN';
  return undefined;
}

/**
 * Wording that reports a failed directory lookup of the mailbox itself (Domino, Exchange, IMail,
 * Sendmail transcripts): a missing mailbox whatever SMTP stage reported it.
 */
const DIRECTORY_LOOKUP =
  /not listed in|name is not recognized|unknown user:|invalid .{0,20}userid|<<< 5\d\d|>>> rcpt|rcpt_to|\.\.\. user unknown|not known|unknown recipient|no valid recipients/i;

/**
 * The failure reason the wording names, or null when it names none we know. A "user unknown"
 * answered to DATA (after the recipients were accepted) is the content being refused by a
 * recipient-side filter, not a missing mailbox; so is one whose SMTP stage is unknown, unless the
 * wording is a directory lookup failure (the heuristic of Sisimai's Reason::Filtered).
 */
export function reasonFromWording(text: string, command?: SmtpCommand): Reason | null {
  for (const [reason, re] of TABLE) {
    if (!re.test(text)) continue;
    if (reason === 'userunknown' && command !== 'RCPT' && !DIRECTORY_LOOKUP.test(text)) return 'filtered';
    return reason;
  }
  return null;
}
