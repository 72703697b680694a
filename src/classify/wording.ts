/**
 * Failure reasons named by the prose of bounces and SMTP replies. Used to infer a status when the
 * bounce gives none (see ./status.ts). The reason names are Sisimai's, whose vocabulary is the de
 * facto standard for bounce reasons. Checked in order: the more specific wording first.
 */
import { phrases } from './text.js';

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

/*
 * One phrase table per reason, as go-sisimai's reason/*.go lists. A source "(lhost-x)" means the
 * phrase stands in that family's samples of the libsisimai corpus (fixtures/bounce-corpus); an
 * MTA or RFC named is where the wording comes from.
 */
const TABLE: [Reason, RegExp][] = [
  // A domain (not a mailbox) that does not exist, before the mailbox wording below catches it.
  [
    'hostunknown',
    phrases([
      "\\bdomain (name )?(does not|doesn't|may not) exist", // (lhost-exim, lhost-opensmtpd)
      "(?<![@\\w.-])[a-z0-9-]+(\\.[a-z0-9-]+)+\\.? (does not|doesn't) exist", // (lhost-exim)
    ]),
  ],
  [
    'notaccept',
    phrases([
      'no (smtp service|mx record)', // (lhost-mailru, lhost-yahoo)
      'indicated no smtp', // (lhost-mailru)
      'null mx', // (rfc3464, rhost-gsuite)
      'does not accept (e-?)?mail', // (lhost-sendmail)
    ]),
  ],
  // The remote side would not (or could not) secure the session the sender's policy demanded.
  [
    'failedstarttls',
    phrases([
      "(does not|doesn't) (support|offer) (tls|starttls)", // (lhost-gmail)
      'starttls is required',
      'tls required but not supported',
      'tls (negotiation|handshake) failed',
      'must issue a starttls',
    ]),
  ],
  [
    'mailboxfull',
    phrases([
      'mailbox (is )?full', // (lhost-amazonses, lhost-exim, lhost-gmx, ...)
      'mailbox exceeded', // (lhost-biglobe)
      'mailbox.{0,30}(over|exceeded).{0,10}quota',
      'over ?quota', // (lhost-sendmail, rhost-apple, rhost-google)
      'quota (exceeded|full)', // (lhost-gmail, lhost-postfix, rfc3464)
      'exceeded (its|the|his|her)? ?(storage|quota)',
      '(disk|storage|mailbox) quota', // (lhost-gmail, lhost-postfix)
      'mailbox size limit',
      'user.{0,20}(over|exceeds?).{0,15}(quota|storage)', // (rhost-apple)
      'insufficient (storage|space) (in|for) (the )?mailbox',
      'not enough (storage|space)',
      'mailfolder is full', // (lhost-x4)
      'mail box (is )?full',
      'is over( the)? (allowed |storage |disk )?(limit|quota)', // (rhost-apple)
      'recipient.{0,20}(mailbox|inbox) is (full|out of storage)', // (rhost-google)
      'out of storage', // (rhost-google)
    ]),
  ],
  // After mailbox full: Exim writes "mailbox is full: retry timeout exceeded" for a full mailbox.
  [
    'expired',
    phrases([
      'did not accept our requests to connect', // (lhost-gmail, rfc3464, rhost-gsuite)
      'retry timeout exceeded', // Exim (lhost-exim)
      'queue\\.expired', // (lhost-exchange2007)
      'message expired', // (lhost-amazonses, lhost-amazonworkmail, lhost-exchange2007)
      'not (been )?delivered within', // (lhost-ezweb)
    ]),
  ],
  [
    'mesgtoobig',
    phrases([
      'message (size |length )?(is )?too (big|large)', // (lhost-exchange2007, lhost-receivingses)
      '(message|mail) size (exceeds|is larger)', // (lhost-sendmail)
      'exceeds? (the )?(fixed |maximum |max\\.? )?(message |email )?size', // (lhost-exchange2007)
      'size (of this message )?exceeds? .{0,30}limit',
      'message (file )?too big',
      'larger than (the )?(current )?(system )?limit',
      'exceeded the max(imum)? (email |message )?size',
    ]),
  ],
  [
    'exceedlimit',
    phrases([
      'message header size exceeds',
      'too many recipients', // (lhost-postfix, rhost-godaddy)
      'recipient limit',
      'exceeded (the )?(maximum )?number of recipients',
    ]),
  ],
  [
    'hasmoved',
    phrases([
      // No sample of the corpus shows these.
      'address has (been )?(moved|changed)',
      'user has moved',
      'has moved (to|on)',
    ]),
  ],
  [
    'norelaying',
    phrases([
      'relay(ing)? (access )?(denied|not (permitted|allowed))', // Postfix "Relay access denied" (lhost-amazonses, lhost-sendmail)
      'unable to relay',
      'not (permitted|allowed) to relay',
      'we do not relay',
      'relay(ing)? prohibited',
      'relaying (mail )?(to .{0,40})?(is )?not allowed',
      'no relaying', // (lhost-dragonfly)
      'cannot relay',
    ]),
  ],
  [
    'suspend',
    phrases([
      "(account|mailbox|address|user)( has been| is|'s)? (temporarily )?(disabled|suspended|deactivated|inactive|locked|expired|frozen)", // (lhost-dragonfly, lhost-ezweb, lhost-postfix, ...)
      '(disabled|suspended|inactive|deactivated) (account|mailbox|user)',
      'mailbox (currently )?not active',
      'not an active (user|account)',
      'account (has been )?(terminated|closed)',
      'recipient (mailbox )?is (inactive|disabled)',
      'is a deactivated mailbox',
      'is inactive', // (rhost-google)
    ]),
  ],
  [
    'virusdetected',
    phrases([
      'virus', // (lhost-dragonfly, lhost-messagingserver, lhost-office365, ...)
      'malware', // (lhost-messagingserver)
      'infected', // (lhost-amavis)
      'malicious (content|attachment)',
    ]),
  ],
  [
    'authfailure',
    phrases([
      '\\b(dmarc|spf|dkim)\\b.{0,60}(fail|reject|policy|not (pass|accepted|authorized))', // (arf, lhost-dragonfly, lhost-postfix, ...)
      '(fail|reject|did not pass).{0,40}\\b(dmarc|spf|dkim)\\b', // (arf, lhost-postfix, rhost-google)
      'unauthenticated (email|mail|sender)', // (lhost-dragonfly, lhost-postfix, lhost-sendmail)
      'sender policy framework',
      'not authorized to send',
      'authentication (check )?failed',
      'does not designate', // (lhost-office365)
    ]),
  ],
  [
    'requireptr',
    phrases([
      'reverse (dns|lookup)', // (lhost-exim)
      '\\bptr\\b', // (lhost-exim, lhost-office365)
      'no (rdns|reverse)', // (lhost-exim)
      'cannot find your hostname',
      'rdns',
      "(client|ip) .{0,30}(does not|doesn't) (resolve|have a (valid )?(hostname|name))",
      'unresolvable (client )?(address|host)',
    ]),
  ],
  [
    'userunknown',
    phrases([
      '(user|recipient|address|mailbox|account|addressee|local part|person|name)( is)? (unknown|not (found|known|listed|exist(ent|s)?|valid|recognized|available|registered))', // (lhost-amavis, lhost-amazonses, lhost-amazonworkmail, ...)
      'unknown (user|recipient|local|address|mailbox|alias|account)', // (lhost-amazonses, lhost-exchange2003, lhost-imailserver, ...)
      'no such (user|recipient|mailbox|address|account|person|local user)', // (lhost-apachejames, lhost-mailfoundry, lhost-mfilter, ...)
      "(does not|doesn't|did not) (exist|match any)", // (lhost-exim, lhost-office365, lhost-opensmtpd, ...)
      'invalid (recipient|mailbox|address|user)', // (lhost-apachejames, lhost-sendmail, lhost-trendmicro, ...)
      'not listed in (domino|the (public )?(name and address book|directory))', // Domino "not listed in Domino Directory" (./plaintext/domino.ts) (lhost-domino)
      'no mailbox (here|by that name)', // (lhost-activehunter, lhost-qmail)
      'unrouteable address', // Exim
      'bad destination (mailbox|address)',
      'mailbox (not found|unavailable|does not exist|name not allowed)', // RFC 5321 4.2.3 "550 ... mailbox unavailable" (lhost-office365, lhost-receivingses, lhost-sendmail, ...)
      'recipient (address )?rejected', // (lhost-amavis, lhost-amazonses, lhost-dragonfly, ...)
      'no valid recipients', // (lhost-sendmail, lhost-verizon, rfc3464)
      "user doesn't have a .{0,20}account", // (lhost-sendmail, lhost-x2, rhost-yahooinc)
      'not a valid (user|mailbox|recipient)',
      'unknown or illegal alias', // (lhost-exim)
      'is not a known user',
      'addressee unknown',
      'undeliverable address',
      'account that you tried to reach does not exist', // Gmail (lhost-postfix, rfc3464)
      'could not be found',
      'nonexistent',
      'non-existent (user|recipient|address|mailbox)',
      'mailbox (is )?(disabled|not exist)', // (lhost-powermta)
      'unknown in (virtual|relay) (mailbox|recipient) table', // Postfix smtpd (lhost-amavis)
      'destination addresses? (were|was) unknown',
      'user not found', // (rhost-apple)
      'user unknown', // (lhost-amavis, lhost-amazonses, lhost-amazonworkmail, ...)
      'not our customer',
      'invalid .{0,20}userid', // (lhost-imailserver)
      'unable to (find|locate) (the )?recipient',
      'there is no one at this address',
      'invalid address', // (lhost-zoho)
      'no such address',
      'no such mailbox',
    ]),
  ],
  [
    'hostunknown',
    phrases([
      'host (or domain name )?(not found|unknown)', // Postfix "Host or domain name not found" (lhost-sendmail, lhost-v5sendmail, rhost-aol)
      'unknown host', // (rfc3464)
      'domain (name )?(not found|does not exist|unknown|not exist)', // (lhost-opensmtpd, rfc3464, rhost-aol, ...)
      'no such domain',
      'unrouteable (mail )?domain',
      'name (service|server) error', // (lhost-postfix, rhost-aol)
      'host not found', // (rhost-aol)
      'no such host',
      '(domain|host) lookup failed',
      'dns (error|lookup)', // (rfc3464, rhost-gsuite)
      'could not be resolved',
      'unresolvable (domain|host)',
      'illegal host\\/domain name', // (lhost-messagingserver)
      'host name lookup failure', // (lhost-sendmail, rfc3464)
      'domain (is )?invalid', // (lhost-exim)
      'invalid domain',
      'unknown domain',
      'unrouteable',
    ]),
  ],
  [
    'notaccept',
    phrases([
      "(does not|doesn't|do not|will not) accept (any )?(e-?)?mail", // (lhost-sendmail)
      'null mx', // (rfc3464, rhost-gsuite)
      'no mx', // (lhost-yahoo)
      'not accepting (any )?(e-?)?mail',
      'accepts no mail',
      'does not receive mail',
    ]),
  ],
  [
    'spamdetected',
    phrases([
      '\\bspam\\b', // (arf, lhost-amavis, lhost-barracuda, ...)
      'junk mail',
      'bulk mail',
      'unsolicited', // (lhost-amavis, lhost-exchange2007)
      'message (content )?(was )?rejected (as|because).{0,30}(spam|content)',
      '(looks|appears) like (spam|junk)',
      'spam ?score', // (lhost-messagingserver)
      'classified as (spam|junk)',
      'blocked for spam',
      'high probability of being spam',
      'content filter',
      'message filtered', // (lhost-receivingses)
    ]),
  ],
  [
    'badreputation',
    phrases([
      '(ip|domain|sender)( address)? reputation', // (rhost-microsoft)
      'poor reputation',
      'low reputation',
      'rate of (spam|complaints)',
    ]),
  ],
  // An address (the sender's, not a host's IP) on a blocklist is a refusal of the sender.
  [
    'rejected',
    phrases([
      '(to\\/from|sender|from) (an )?address (that )?(has been|is) (black|block)listed', // (lhost-exim)
    ]),
  ],
  [
    'blocked',
    phrases([
      '\\bopen relay', // (lhost-v5sendmail)
      'no access from (mail )?server', // (lhost-v5sendmail)
      '\\bblock(ed|list(ed)?)\\b', // (lhost-amazonses, lhost-barracuda, lhost-exim, ...)
      'black ?list(ed)?', // (lhost-exim, lhost-sendmail)
      'listed (at|in|on|by)', // (lhost-domino, lhost-notes, lhost-sendmail)
      '\\b(rbl|dnsbl|spamhaus|spamcop|sorbs|barracuda( reputation)?)\\b', // (lhost-amazonses, lhost-barracuda)
      'client host .{0,30}rejected', // (lhost-amazonses)
      'connection (refused|rejected|denied)', // (lhost-sendmail)
      '(ip|host|client) (address )?(is )?(not allowed|rejected|refused|denied|banned)', // (lhost-amazonses)
      'access denied', // (lhost-amazonses, lhost-exim, lhost-gmail, ...)
      'not allowed to (connect|send)', // (lhost-office365)
      '(your|the) (ip|server|network|host).{0,40}(blocked|rejected|banned|not permitted)',
    ]),
  ],
  [
    'filtered',
    phrases([
      'filter(ed)?', // (lhost-dragonfly, lhost-einsundeins, lhost-ezweb, ...)
      "(recipient|user)('s)? (preferences|settings|rules)", // (rhost-facebook)
      'refuse(d)? to (receive|accept)', // (lhost-x6)
      'only accept(ing)? (mail|messages) from',
      'not authori[sz]ed to (send|email|deliver)',
      'delivery not authorized', // (lhost-dragonfly)
      'user reject',
      'restricted',
      '(sender|you) (is|are|has been) blocked by (the )?recipient',
      'this account is protected',
    ]),
  ],
  [
    'rejected',
    phrases([
      'sender (address )?(rejected|denied|refused|verify failed|not (allowed|accepted))', // (lhost-mailru, lhost-messagingserver, lhost-office365, ...)
      '(mail )?from .{0,60}(rejected|refused|denied)', // (rfc3464)
      'rejected (the )?sender',
      'domain of sender address', // (lhost-postfix)
      'sender domain', // (lhost-exim)
      'envelope sender', // (lhost-activehunter)
      'return path',
      'bad sender',
      'invalid sender',
      'sender (is )?(unknown|invalid|not allowed)',
      'address rejected', // (lhost-amavis, lhost-amazonses, lhost-dragonfly, ...)
      'rejected', // (lhost-amavis, lhost-amazonses, lhost-barracuda, ...)
      'refused', // (lhost-postfix, lhost-sendmail, lhost-x6, ...)
      'denied', // (lhost-amazonses, lhost-exim, lhost-gmail, ...)
      'administrative prohibition',
      'not accepted', // (lhost-dragonfly, lhost-exim, lhost-postfix, ...)
      'unacceptable',
    ]),
  ],
  [
    'policyviolation',
    phrases([
      'policy', // (lhost-dragonfly, lhost-exchange2007, lhost-messagingserver, ...)
      'prohibited',
      'not permitted', // (rhost-messagelabs)
      'violat', // (lhost-postfix)
    ]),
  ],
  [
    'securityerror',
    phrases([
      '\\btls\\b', // (arf, lhost-exchange2007, lhost-gmail, ...)
      'starttls', // (lhost-postfix)
      'certificate', // (lhost-fml, rhost-aol)
      'encryption',
      'authentication (required|needed)',
      'must (issue|use) (a )?(starttls|auth)',
      'security', // (lhost-dragonfly, lhost-sendmail, lhost-trendmicro, ...)
    ]),
  ],
  [
    'toomanyconn',
    phrases([
      'too many (connections|simultaneous|concurrent|sessions|messages|errors)',
      'rate limit', // (lhost-postfix, rhost-microsoft)
      'ratelimit',
      'rate[- ]limited', // (rhost-microsoft)
      'throttl',
      'try (again )?later.{0,30}too many',
      'exceeded the rate',
      'sending rate',
    ]),
  ],
  [
    'expired',
    phrases([
      'retry (time(out)? )?(exceeded|expired)', // (lhost-exim)
      'retry timeout', // (lhost-exim)
      '(message|delivery) (time )?expired', // (lhost-amazonses, lhost-amazonworkmail, lhost-exchange2007)
      'queue (time )?expired',
      'could not be delivered (for|within|in) .{0,20}(days?|hours?)', // (lhost-sendmail)
      'unable to deliver (this message )?after', // (lhost-messagingserver)
      'delivery (attempts )?(will continue|has been delayed|time expired)', // (lhost-exim)
      'has not been delivered .{0,40}(days?|hours?)',
      'giving up', // (lhost-dragonfly, lhost-qmail, lhost-yahoo)
      'gave up',
      'retry time not reached.{0,40}long failure period', // Exim
      'timed? ?out', // (lhost-amazonses, lhost-amazonworkmail, lhost-exim, ...)
      'too long in (the )?queue',
      'expired', // (lhost-amazonses, lhost-amazonworkmail, lhost-dragonfly, ...)
      'no answer from host',
      'could not deliver .{0,40}(days?|hours?)',
    ]),
  ],
  [
    'mailererror',
    phrases([
      'pipe to \\|', // (lhost-exim)
      '\\|\\S+: ',
      'x-unix', // (lhost-postfix, lhost-sendmail, lhost-x5, ...)
      'command (died|failed|output)', // (lhost-postfix, rfc3464)
      'exit (code|status)',
      'mailer error', // (lhost-dragonfly)
      'procmail', // (lhost-postfix)
      'unknown mailer',
      'local delivery failed',
      'child process',
    ]),
  ],
  [
    'systemfull',
    phrases([
      'insufficient system (storage|resources)', // RFC 5321 4.2.3 "452 ... insufficient system storage" (lhost-mfilter)
      '(mail )?system (is )?full',
      'disk (is )?full',
      'no space left',
      'out of disk',
    ]),
  ],
  [
    'networkerror',
    phrases([
      'network (is )?(error|unreachable)',
      'no route to host',
      '(mail )?loop', // (lhost-domino, lhost-postfix, lhost-x2, ...)
      'too many hops',
      'hop count exceeded', // (lhost-domino, lhost-x2, lhost-x6)
      'routing loop', // (lhost-domino)
      'connection (lost|dropped|reset|closed)', // (lhost-v5sendmail)
      'lost connection',
      'unable to connect', // (lhost-outlook, lhost-x2, rhost-outlook)
      'could not connect',
      "can't connect",
      'host unreachable',
      'connection timed out', // (lhost-amazonses, lhost-amazonworkmail, lhost-messagingserver, ...)
    ]),
  ],
  [
    'systemerror',
    phrases([
      'system error', // (lhost-amazonworkmail, lhost-dragonfly, lhost-sendmail)
      'server error',
      'internal error',
      'local configuration error',
      'configuration error',
      '(local|remote) (mail )?(system|server) (error|problem)',
      'temporary (local )?problem', // (rfc3464)
      'loops back to myself', // Postfix "mail for <domain> loops back to myself"
      'service (not available|unavailable)', // RFC 5321 4.2.3 "421 ... Service not available" (lhost-postfix, lhost-sendmail, rhost-kddi, ...)
      'mail server (is )?(down|not responding)',
    ]),
  ],
  [
    'contenterror',
    phrases([
      'content', // (arf, lhost-activehunter, lhost-amavis, ...)
      'invalid (header|character|mime)',
      'malformed', // (lhost-postfix)
      'header (syntax|error)', // (lhost-exim, lhost-gmail, lhost-sendmail)
      '8-?bit', // (arf, lhost-exim, lhost-postfix, ...)
      'line too long',
      'encoding', // (arf, lhost-activehunter, lhost-amavis, ...)
    ]),
  ],
  [
    'syntaxerror',
    phrases([
      'syntax error', // RFC 5321 4.2.3 "500 Syntax error, command unrecognized"
      'command unrecognized', // RFC 5321 4.2.3, as above
      'unrecognized command',
      'bad sequence', // RFC 5321 4.2.3 "503 Bad sequence of commands"
    ]),
  ],
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
const DIRECTORY_LOOKUP = phrases([
  'not listed in', // (lhost-domino, lhost-notes)
  'name is not recognized', // (lhost-exchange2003)
  'unknown user:', // (lhost-imailserver)
  'invalid .{0,20}userid', // (lhost-imailserver)
  '<<< 5\\d\\d', // (lhost-courier, lhost-ezweb, lhost-sendmail, ...)
  '>>> rcpt', // (lhost-courier, lhost-ezweb, lhost-sendmail, ...)
  'rcpt_to', // (lhost-yahoo)
  '\\.\\.\\. user unknown', // (lhost-amazonworkmail, lhost-courier, lhost-gmail, ...)
  'not known',
  'unknown recipient', // (lhost-exchange2003, lhost-office365)
  'no valid recipients', // (lhost-sendmail, lhost-verizon, rfc3464)
]);

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
