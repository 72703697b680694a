import { base64Lines, byteString, quotedPrintable } from '../lib/mime.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Two conversations, for threading by In-Reply-To/References and by the subject tag.
 */

// Conversation A: ticket 4711 in SuperOffice. A customer writes (Outlook), the agent answers from
// SuperOffice with the subject tag, the customer replies with In-Reply-To/References, then replies
// again from a phone client that drops both headers and keeps only the tag (the threading fallback).
const A1 = '<DB9PR02MB73219F8E7D6C5B4A3928170F6E5D4@DB9PR02MB7321.eurprd02.prod.outlook.com>';
export const A2 = '<20250307081502.4711.2.7f3a@service.acme.example>';
const A3 = '<DB9PR02MB7321A0B1C2D3E4F5061728394A5B6@DB9PR02MB7321.eurprd02.prod.outlook.com>';
const A4 = '<A6B7C8D9-E0F1-4A2B-9C3D-4E5F60718293@corp.example.com>';

const CONVERSATION_A: FixtureMail[] = [
  m(
    '025-thread-a1-customer-request',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: Printer on 3rd floor offline
Thread-Topic: Printer on 3rd floor offline
Thread-Index: AdmP0a1wcmludGVyX29mZmxpbmU=
Date: Fri, 7 Mar 2025 07:58:12 +0000
Message-ID: ${A1}
Content-Language: en-US
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
MIME-Version: 1.0

Hi,

the printer MFP-3F-EAST shows "offline" for everybody since 08:30.
Power-cycling did not help.

Ingrid
`,
  ),
  m(
    '026-thread-a2-agent-reply-ejtag',
    LF,
    `Return-Path: <support@acme.example>
From: ACME Service Desk <support@acme.example>
To: Ingrid Berg <ingrid.berg@corp.example.com>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 09:15:02 +0100
Message-ID: ${A2}
In-Reply-To: ${A1}
References: ${A1}
X-Mailer: SuperOffice Service
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_so_4711_2_b1e2"

--=_so_4711_2_b1e2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`Hi Ingrid,

we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?

Best regards
Anders – ACME Service Desk
Case 4711`),
)}

--=_so_4711_2_b1e2
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(byteString(`<html><body><p>Hi Ingrid,</p><p>we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?</p><p>Best regards<br>Anders – ACME Service Desk<br>Case 4711</p></body></html>`))}

--=_so_4711_2_b1e2--
`,
  ),
  m(
    '027-thread-a3-customer-reply',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
Thread-Topic: Printer on 3rd floor offline [ejTag: 4711]
Thread-Index: AdmP0a1wcmludGVyX29mZmxpbmU=AdmP1c0y
Date: Fri, 7 Mar 2025 08:40:33 +0000
Message-ID: ${A3}
References: ${A1}
 ${A2}
In-Reply-To: ${A2}
Content-Language: en-US
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64
MIME-Version: 1.0

${base64Lines(
  byteString(`It prints again, thanks! But scan-to-email still fails with "SMTP auth error".

Ingrid

From: ACME Service Desk <support@acme.example>
Sent: Friday, March 7, 2025 9:15 AM
To: Ingrid Berg <ingrid.berg@corp.example.com>
Subject: RE: Printer on 3rd floor offline [ejTag: 4711]

Hi Ingrid,

we have restarted the print server queue for MFP-3F-EAST. Can you try again and let us know?

Best regards
Anders – ACME Service Desk
Case 4711
`),
)}
`,
  ),
  m(
    '028-thread-a4-reply-tag-only',
    LF,
    `Return-Path: <ingrid.berg@corp.example.com>
From: Ingrid Berg <ingrid.berg@corp.example.com>
To: support@acme.example
Subject: Sv: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Mon, 10 Mar 2025 08:05:10 +0100
Message-ID: ${A4}
MIME-Version: 1.0 (1.0)
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable
X-Mailer: iPhone Mail (22D72)

${quotedPrintable(
  byteString(`Scan works again after the weekend. You can close the case.

Sendt fra min iPhone`),
)}
`,
  ),
];

// Conversation B: a customer (Thunderbird) and a colleague (Gmail) discuss an API change; the third
// mail carries a full References chain, the fourth (a client that writes References only) a long
// folded chain with an older unrelated id first.
const B1 = '<7a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9@example.org>';
const B2 = '<CAH9pLm2vQ0x+T7kR4nZyS8dJ1wF6bA3eG5hU0cKoPqXr=Lm9Qg@mail.gmail.com>';
const B3 = '<c0d1e2f3-a4b5-4c6d-9e7f-8091a2b3c4d5@example.org>';
const B4 = '<87h6kq2x4n.fsf@nils.example.net>';
const B0 = '<old-thread-2024-11-02.1730553600@example.org>';

const CONVERSATION_B: FixtureMail[] = [
  m(
    '029-thread-b1-initial-thunderbird',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: ${B1}
Date: Mon, 10 Mar 2025 10:00:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: nb
To: support@acme.example
Cc: Lars Olsen <lars.olsen.1987@gmail.com>
From: Ole Brun <ole.brun@example.org>
Subject: API: TicketMessage PUT returns 400
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

${byteString(`Hei,

our integration gets "400 Entity to save is not in request body" from
PUT /api/v1/TicketMessage/{id} since the upgrade. Same payload worked
last week. Lars (cc) can send a sample.

Ole`)}
`,
  ),
  m(
    '030-thread-b2-gmail-reply',
    LF,
    `Delivered-To: support@acme.example
MIME-Version: 1.0
References: ${B1}
In-Reply-To: ${B1}
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 10 Mar 2025 10:21:44 +0100
Message-ID: ${B2}
Subject: Re: API: TicketMessage PUT returns 400
To: Ole Brun <ole.brun@example.org>
Cc: support@acme.example
Content-Type: multipart/alternative; boundary="0000000000001f2e3d062f8a9b7c"

--0000000000001f2e3d062f8a9b7c
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`Sample request body (headers trimmed):

{"EjMessageId": 812, "Body": "test", "Type": "Plain"}

It is sent with Content-Type: application/json; charset=utf-8.

On Mon, 10 Mar 2025 at 10:00, Ole Brun <ole.brun@example.org> wrote:
> Hei,
>
> our integration gets "400 Entity to save is not in request body" from
> PUT /api/v1/TicketMessage/{id} since the upgrade.`),
)}

--0000000000001f2e3d062f8a9b7c
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(byteString(`<div dir="ltr"><div>Sample request body (headers trimmed):</div><div><br></div><div><span style="font-family:monospace">{&quot;EjMessageId&quot;: 812, &quot;Body&quot;: &quot;test&quot;, &quot;Type&quot;: &quot;Plain&quot;}</span></div><div><br></div><div>It is sent with Content-Type: application/json; charset=utf-8.</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 10 Mar 2025 at 10:00, Ole Brun &lt;<a href="mailto:ole.brun@example.org">ole.brun@example.org</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Hei,<br><br>our integration gets &quot;400 Entity to save is not in request body&quot; from<br>PUT /api/v1/TicketMessage/{id} since the upgrade.</blockquote></div>`))}

--0000000000001f2e3d062f8a9b7c--
`,
  ),
  m(
    '031-thread-b3-reply-to-reply',
    LF,
    `Return-Path: <ole.brun@example.org>
Message-ID: ${B3}
Date: Mon, 10 Mar 2025 11:02:19 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: API: TicketMessage PUT returns 400
To: Lars Olsen <lars.olsen.1987@gmail.com>, support@acme.example
References: ${B1}
 ${B2}
From: Ole Brun <ole.brun@example.org>
Content-Language: nb
In-Reply-To: ${B2}
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Found it: the proxy strips bodies on PUT when Transfer-Encoding is
chunked. Sending Content-Length fixes it. Support: please close.

On 10.03.2025 10:21, Lars Olsen wrote:
> Sample request body (headers trimmed):
>
> {"EjMessageId": 812, "Body": "test", "Type": "Plain"}
`,
  ),
  m(
    '032-thread-b4-references-only',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Re: API: TicketMessage PUT returns 400
References: ${B0} ${B1}
 ${B2}
 ${B3}
Date: Mon, 10 Mar 2025 12:40:00 +0100
Message-ID: ${B4}
User-Agent: Gnus/5.13 (Gnus v5.13)
MIME-Version: 1.0
Content-Type: text/plain

We hit the same proxy issue last year; chunked PUTs are dropped by
the old appliance. Upgrading its firmware fixed it for us.
`,
  ),
];

export const THREADS: FixtureMail[] = [...CONVERSATION_A, ...CONVERSATION_B];
