import { base64Lines, byteString, quotedPrintable } from '../lib/mime.js';
import { assets } from './assets.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Mails with parts besides the text: PDF, ZIP, forwarded messages (message/rfc822, nested),
 * RFC 2231 file names, TNEF winmail.dat, a calendar invitation and a PGP/MIME signature.
 */

/** The mail that 009 forwards as an attachment (a complete message of its own). */
const forwardedOriginal = `Return-Path: <billing@vendor.example>
Received: from mail.vendor.example (mail.vendor.example [203.0.113.80])
\tby mx.example.org (Postfix) with ESMTPS id 7F2A91C0
\tfor <ole.brun@example.org>; Fri, 28 Feb 2025 16:40:12 +0100 (CET)
From: Vendor Billing <billing@vendor.example>
To: ole.brun@example.org
Subject: Your licence renewal (contract 2025-118)
Date: Fri, 28 Feb 2025 16:40:02 +0100
Message-ID: <renewal-2025-118.1740757202@vendor.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`Dear customer,

your licence for 25 seats expires on 31 March 2025. Renewal price: 12 500 NOK.
Reply to this mail to renew.

Vendor Billing`),
)}
`;

export const ATTACHMENTS: FixtureMail[] = [
  m(
    '007-thunderbird-pdf-attachment',
    LF,
    `Return-Path: <ole.brun@example.org>
Received: from [192.168.1.34] (cm-84-210-5-6.example.org [84.210.5.6])
\tby smtp.example.org (Postfix) with ESMTPSA id 1D2E3F40
\tfor <support@acme.example>; Tue,  4 Mar 2025 09:05:31 +0100 (CET)
Message-ID: <3f8e2c1a-7b4d-4e9f-a0c2-5d6e7f8a9b0c@example.org>
Date: Tue, 4 Mar 2025 09:05:29 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: en-GB
To: support@acme.example
From: Ole Brun <ole.brun@example.org>
Subject: Invoice 2025-0311 charged twice
Content-Type: multipart/mixed; boundary="------------0aB1cD2eF3gH4iJ5kL6mN7oP"

This is a multi-part message in MIME format.
--------------0aB1cD2eF3gH4iJ5kL6mN7oP
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Hello,

we were charged twice for invoice 2025-0311 (see attached PDF and our 
bank statement lines of 1 and 2 March). Please refund one of the 
payments.

-- 
Ole Brun
Brun Regnskap AS

--------------0aB1cD2eF3gH4iJ5kL6mN7oP
Content-Type: application/pdf; name="invoice-2025-0311.pdf"
Content-Disposition: attachment; filename="invoice-2025-0311.pdf"
Content-Transfer-Encoding: base64

${base64Lines(assets.invoicePdf)}

--------------0aB1cD2eF3gH4iJ5kL6mN7oP--
`,
  ),
  m(
    '008-outlook-zip-attachment',
    CRLF,
    `From: "Hansen, Per" <per.hansen@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: Sync logs as requested
Thread-Topic: Sync logs as requested
Thread-Index: AdmOBq2ZbG9nc19yZXF1ZXN0ZWQ=
Date: Tue, 4 Mar 2025 10:12:09 +0000
Message-ID: <AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80@AM9PR03MB7012.eurprd03.prod.outlook.com>
Accept-Language: nb-NO, en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
Content-Type: multipart/mixed;
\tboundary="_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_"
MIME-Version: 1.0

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: multipart/alternative;
\tboundary="_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_"

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hi,

attached are the sync logs from this morning (zipped, 2 files).

Per

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=
=3Dus-ascii"></head><body><div class=3D"WordSection1"><p class=3D"MsoNormal=
">Hi,</p><p class=3D"MsoNormal">attached are the sync logs from this mornin=
g (zipped, 2 files).</p><p class=3D"MsoNormal">Per</p></div></body></html>

--_000_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_--

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_
Content-Type: application/x-zip-compressed; name="sync-logs.zip"
Content-Description: sync-logs.zip
Content-Disposition: attachment; filename="sync-logs.zip"; size=${assets.logsZip.length};
\tcreation-date="Tue, 04 Mar 2025 10:11:40 GMT";
\tmodification-date="Tue, 04 Mar 2025 10:11:40 GMT"
Content-Transfer-Encoding: base64

${base64Lines(assets.logsZip)}

--_004_AM9PR03MB70125B8C9D0E1F2A3B4C5D6E7F80AM9PR03MB7012eurp_--
`,
  ),
  m(
    '009-forward-as-attachment-rfc822',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: <b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e@example.org>
Date: Tue, 4 Mar 2025 13:44:02 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
To: support@acme.example
From: Ole Brun <ole.brun@example.org>
Subject: Fwd: Your licence renewal (contract 2025-118)
Content-Type: multipart/mixed; boundary="------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

This is a multi-part message in MIME format.
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Is this renewal mail from you? The sender address looks odd to us.

Ole

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: message/rfc822; name="Your licence renewal (contract 2025-118).eml"
Content-Disposition: attachment;
 filename="Your licence renewal (contract 2025-118).eml"

${forwardedOriginal}
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2--
`,
  ),
  m(
    '010-forward-nested-rfc822',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: FW: FW: Suspicious renewal mail
Thread-Topic: FW: Suspicious renewal mail
Thread-Index: AdmOGx0ZndfZndfc3VzcGljaW91cw==
Date: Tue, 4 Mar 2025 14:20:55 +0000
Message-ID: <DB9PR02MB7321AA11BB22CC33DD44EE55FF66A@DB9PR02MB7321.eurprd02.prod.outlook.com>
Content-Language: en-US
X-MS-Has-Attach: yes
Content-Type: multipart/mixed;
\tboundary="_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_"
MIME-Version: 1.0

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Forwarding what Ole sent us, with his original attached inside.

Ingrid

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Fwd Your licence renewal.eml"

Message-ID: <b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e@example.org>
Date: Tue, 4 Mar 2025 13:44:02 +0100
MIME-Version: 1.0
To: ingrid.berg@corp.example.com
From: Ole Brun <ole.brun@example.org>
Subject: Fwd: Your licence renewal (contract 2025-118)
Content-Type: multipart/mixed; boundary="------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Is this renewal mail from you? The sender address looks odd to us.

--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2
Content-Type: message/rfc822
Content-Disposition: attachment; filename="renewal.eml"

${forwardedOriginal}
--------------Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2--

--_005_DB9PR02MB7321AA11BB22CC33DD44EE55FF66A_--
`,
  ),
  // Parameters as RFC 2231 writes them: a charset-tagged, percent-encoded value (filename*=, 4)
  // and one split into numbered continuations (filename*0*, filename*1*, 3). The PNG's name= is an
  // RFC 2047 encoded-word inside a quoted string, which RFC 2047 5 forbids and mailers still send.
  m(
    '011-rfc2231-filenames',
    LF,
    `Return-Path: <jurgen.weiss@example.de>
From: =?UTF-8?Q?J=C3=BCrgen_Wei=C3=9F?= <jurgen.weiss@example.de>
To: support@acme.example
Subject: =?UTF-8?Q?=C3=84nderungsantrag_und_Stromz=C3=A4hler-Foto?=
Date: Wed, 5 Mar 2025 08:15:00 +0100
Message-ID: <20250305081500.GA14022@example.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=-=-=MuttBoundary5a1c=-=-="
User-Agent: Mutt/2.2.12 (2023-09-09)

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-Transfer-Encoding: 8bit

${byteString(`Guten Morgen,

anbei der Änderungsantrag (PDF) und ein Foto des Zählers.

Grüße
Jürgen Weiß`)}

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*=UTF-8''%C3%84nderungsantrag%20M%C3%A4rz%202025.pdf
Content-Transfer-Encoding: base64

${base64Lines(assets.scanPdf)}

--=-=-=MuttBoundary5a1c=-=-=
Content-Type: image/png; name="=?UTF-8?Q?Z=C3=A4hlerstand.png?="
Content-Disposition: attachment;
 filename*0*=UTF-8''Z%C3%A4hler;
 filename*1*=stand%20Keller.png
Content-Transfer-Encoding: base64

${base64Lines(assets.logoPng)}

--=-=-=MuttBoundary5a1c=-=-=--
`,
  ),
  m(
    '012-outlook-winmail-tnef',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: support@acme.example
Subject: Meeting notes attached
Date: Wed, 5 Mar 2025 09:40:21 +0100
Message-ID: <000001db8d9a$2c4f1e80$84ed5b80$@corp.example.com>
MIME-Version: 1.0
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdmOH3c0bWVldGluZ19ub3Rlcw==
Content-Language: nb
Content-Type: multipart/mixed;
\tboundary="----=_NextPart_000_0001_01DB8DA2.8E2A9E80"

This is a multipart message in MIME format.

------=_NextPart_000_0001_01DB8DA2.8E2A9E80
Content-Type: text/plain;
\tcharset="us-ascii"
Content-Transfer-Encoding: 7bit

Notes from today's meeting are in the attachment.

Bjorn

------=_NextPart_000_0001_01DB8DA2.8E2A9E80
Content-Type: application/ms-tnef;
\tname="winmail.dat"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
\tfilename="winmail.dat"

${base64Lines(assets.tnef)}

------=_NextPart_000_0001_01DB8DA2.8E2A9E80--
`,
  ),
  m(
    '044-calendar-invite',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Invitation: Onboarding review @ Wed 19 Mar 2025 10:00 - 11:00 (CET)
Date: Tue, 11 Mar 2025 14:00:00 +0000
Message-ID: <calendar-6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d@google.com>
Reply-To: Bjorn Dahl <bjorn.dahl@corp.example.com>
Sender: Google Calendar <calendar-notification@google.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="000000000000b1a2c3062f8d1e2f"

--000000000000b1a2c3062f8d1e2f
Content-Type: multipart/alternative; boundary="000000000000b1a2c2062f8d1e2d"

--000000000000b1a2c2062f8d1e2d
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

Onboarding review
Wednesday 19 March 2025 10:00 - 11:00 (Central European Time)
Joining: https://meet.example.com/abc-defg-hij

--000000000000b1a2c2062f8d1e2d
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REQUEST
BEGIN:VEVENT
DTSTART:20250319T090000Z
DTEND:20250319T100000Z
DTSTAMP:20250311T140000Z
ORGANIZER;CN=Bjorn Dahl:mailto:bjorn.dahl@corp.example.com
UID:6b5a4c3d2e1f4a0b9c8d7e6f5a4b3c2d@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=support@acme.example;X-NUM-GUESTS=0:mailto:support@acme.example
SUMMARY:Onboarding review
STATUS:CONFIRMED
SEQUENCE:0
END:VEVENT
END:VCALENDAR

--000000000000b1a2c2062f8d1e2d--
--000000000000b1a2c3062f8d1e2f
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

${base64Lines('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:6b5a4c3d2e1f4a0b9c8d7e6f5a4b3c2d@google.com\r\nSUMMARY:Onboarding review\r\nDTSTART:20250319T090000Z\r\nDTEND:20250319T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')}
--000000000000b1a2c3062f8d1e2f--
`,
  ),
  m(
    '045-pgp-mime-signed',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Security contact for disclosure
Date: Tue, 11 Mar 2025 15:15:15 +0100
Message-ID: <87sec0ntact.fsf@nils.example.net>
MIME-Version: 1.0
Content-Type: multipart/signed; boundary="=-=-=";
\tmicalg=pgp-sha256; protocol="application/pgp-signature"

--=-=-=
Content-Type: text/plain; charset=us-ascii

Who is your security contact? I found an open redirect on
https://www.acme.example/login?next=... and would like to report it
privately.

--=-=-=
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: signature

-----BEGIN PGP SIGNATURE-----

iHUEARYIAB0WIQTm0EJk8Xx9QmVjFQn6Rj0f4yq2bwUCZ9BHQwAKCRD6Rj0f4yq2
b1xZAQCX8G0o0s7pQpk2wR4x6ZfN3s0yq1XbH0x2Jd5n6aW9AAD/bJ7E5o0hQf1k
r3p2g7vX9m2Lw4cT5yN8qZ1dS0aE4AY=
=Xq3R
-----END PGP SIGNATURE-----
--=-=-=--
`,
  ),
];
