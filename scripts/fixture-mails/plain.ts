import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Plain-text mails, with LF and with CRLF line ends.
 */

export const PLAIN: FixtureMail[] = [
  m(
    '001-plain-text-lf',
    LF,
    `Return-Path: <kari.nordmann@example.no>
Delivered-To: support@acme.example
Received: from mx1.example.no (mx1.example.no [192.0.2.10])
\tby mx.acme.example (Postfix) with ESMTPS id 4Q1x2Y0abcz9sLm
\tfor <support@acme.example>; Mon,  3 Mar 2025 08:02:11 +0100 (CET)
From: Kari Nordmann <kari.nordmann@example.no>
To: support@acme.example
Subject: Cannot log in to the customer portal
Date: Mon, 3 Mar 2025 08:02:05 +0100
Message-ID: <e5b1c0f2-91d4-4a7e-8d0b-3f1f5b9e2a11@example.no>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hello,

since this morning I cannot log in to the customer portal. The page says
"Your session has expired" right after I enter my password.

Customer number: 10442

Regards,
Kari Nordmann
`,
  ),
  m(
    '002-plain-text-crlf',
    CRLF,
    `Received: from EX01.corp.example.com (10.1.2.3) by EX02.corp.example.com
 (10.1.2.4) with Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.39; Mon, 3 Mar 2025
 09:10:44 +0100
From: "Hansen, Per" <per.hansen@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: VPN client crashes on start
Thread-Topic: VPN client crashes on start
Thread-Index: AdmN3k0dS2l0c3VwcG9ydEFDTUU=
Date: Mon, 3 Mar 2025 08:10:43 +0000
Message-ID: <AM9PR03MB7012F1C3A1B2C3D4E5F6A7B8C9D0@AM9PR03MB7012.eurprd03.prod.outlook.com>
Accept-Language: nb-NO, en-US
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Hi,

the VPN client (version 7.2.1) crashes immediately after start on my laptop=
 since the Windows update yesterday. Event log says "faulting module vpnc=
ore.dll".

Best regards
Per Hansen
IT Operations, Corp Example
`,
  ),
];
