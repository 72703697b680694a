import { byteString } from '../lib/mime.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';
import { A2 } from './threads.js';

/**
 * Machine-sent mail that is not a bounce: auto-replies (RFC 3834, Exchange, vendor headers),
 * a read receipt and a mailing-list mail.
 */

export const AUTOMATED: FixtureMail[] = [
  m(
    '040-auto-reply-rfc3834',
    LF,
    `Return-Path: <>
From: Ole Brun <ole.brun@example.org>
To: ACME Service Desk <support@acme.example>
Subject: Auto: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 09:15:09 +0100
Message-ID: <autoreply.1741335309.ole.brun@example.org>
In-Reply-To: ${A2}
References: ${A2}
Auto-Submitted: auto-replied (vacation)
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

${byteString(`I am away until 17 March with limited access to e-mail.
For urgent matters please contact finance@example.org.`)}
`,
  ),
  m(
    '041-out-of-office-exchange',
    CRLF,
    `From: Per Hansen <per.hansen@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Automatic reply: Contract renewal 2025 - who signs?
Thread-Topic: Contract renewal 2025 - who signs?
Thread-Index: AQHbkl3Ab2ZmaWNlX2F1dG9yZXBseQ==
Date: Tue, 11 Mar 2025 09:30:04 +0000
Message-ID: <a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5@AM9PR03MB7012.eurprd03.prod.outlook.com>
In-Reply-To: <20250311093000.3F2E1D0C@assistant.corp.example.com>
Content-Language: en-US
X-MS-Has-Attach:
X-MS-Exchange-Organization-SCL: -1
X-MS-Exchange-Organization-AutoResponseSuppress: All
X-MS-Exchange-Inbox-Rules-Loop: per.hansen@corp.example.com
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
MIME-Version: 1.0

I am out of the office until Monday 17 March. I will reply when I am back.
For urgent IT matters call the service desk on +47 400 00 002.
`,
  ),
  m(
    '042-auto-reply-vendor-headers',
    LF,
    `Return-Path: <info@example.dk>
From: Lund & Son Info <info@example.dk>
To: support@acme.example
Subject: Thank you for your message
Date: Tue, 11 Mar 2025 13:00:02 +0100
Message-ID: <autoresponder-8f7e6d5c@cpanel.example.dk>
X-Autoreply: yes
X-Autorespond: Thank you for your message
Precedence: auto_reply
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thank you for your message. We answer within two working days.
`,
  ),
  m(
    '043-read-receipt-mdn',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: ACME Service Desk <support@acme.example>
Subject: Read: RE: Printer on 3rd floor offline [ejTag: 4711]
Date: Fri, 7 Mar 2025 08:20:11 +0000
Message-ID: <DB9PR02MB7321MDN0123456789ABCDEF01234@DB9PR02MB7321.eurprd02.prod.outlook.com>
References: ${A2}
In-Reply-To: ${A2}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
\tboundary="_mdn_DB9PR02MB7321_0123_"

--_mdn_DB9PR02MB7321_0123_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Your message

  To: Ingrid Berg
  Subject: RE: Printer on 3rd floor offline [ejTag: 4711]
  Sent: Friday, March 7, 2025 8:15:02 AM (UTC) Coordinated Universal Time

was read on Friday, March 7, 2025 8:20:11 AM (UTC) Coordinated Universal Time.

--_mdn_DB9PR02MB7321_0123_
Content-Type: message/disposition-notification

Reporting-UA: DB9PR02MB7321.eurprd02.prod.outlook.com; Microsoft Exchange Server
Final-Recipient: rfc822;ingrid.berg@corp.example.com
Original-Message-ID: ${A2}
Disposition: automatic-action/MDN-sent-automatically; displayed

--_mdn_DB9PR02MB7321_0123_--
`,
  ),
  m(
    '046-mailing-list',
    LF,
    `Return-Path: <users-bounces+support=acme.example@lists.example.org>
From: Kari Nordmann <kari.nordmann@example.no>
To: users@lists.example.org
Subject: [users] Is anyone else seeing login loops?
Date: Tue, 11 Mar 2025 16:00:00 +0100
Message-ID: <c1d2e3f4-0a9b-4c8d-b7e6-f5a4b3c2d1e0@example.no>
List-Id: ACME product users <users.lists.example.org>
List-Unsubscribe: <https://lists.example.org/mailman/options/users>,
 <mailto:users-request@lists.example.org?subject=unsubscribe>
List-Post: <mailto:users@lists.example.org>
List-Archive: <https://lists.example.org/pipermail/users/>
Precedence: list
Sender: "users" <users-bounces@lists.example.org>
Errors-To: users-bounces+support=acme.example@lists.example.org
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="===============8675309112233445566=="

--===============8675309112233445566==
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Since the last update the portal sends me back to the login page after
every click. Clearing cookies helps for a few minutes.

--===============8675309112233445566==
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit
Content-Disposition: inline

_______________________________________________
users mailing list
users@lists.example.org
https://lists.example.org/mailman/listinfo/users

--===============8675309112233445566==--
`,
  ),
];
