import { base64Lines, byteString, encodedWordQ, quotedPrintable } from '../lib/mime.js';
import { assets } from './assets.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Mobile clients, priority headers, Sender/Reply-To/Cc/Bcc and groups, and a long header
 * block (Received chain, ARC, DKIM).
 */

export const CLIENTS_AND_HEADERS: FixtureMail[] = [
  m(
    '033-iphone-plain',
    LF,
    `Return-Path: <sofie.lund@example.dk>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable
From: Sofie Lund <sofie.lund@example.dk>
Mime-Version: 1.0 (1.0)
Date: Mon, 10 Mar 2025 13:13:13 +0100
Subject: Wifi in meeting room
Message-Id: <F1E2D3C4-B5A6-4978-8695-A4B3C2D1E0F9@example.dk>
To: support@acme.example
X-Mailer: iPhone Mail (22D72)

${quotedPrintable(
  byteString(`The guest wifi in meeting room “Fjord” asks for a password nobody knows 🙈

Sendt fra min iPhone`),
)}
`,
  ),
  m(
    '034-android-gmail-app',
    CRLF,
    `MIME-Version: 1.0
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 10 Mar 2025 14:02:51 +0100
Message-ID: <CAF3x9qPq1Zr7yW0x+eN4uK2cVb8mA5sT6dH9gJ3fL0oR1iE2wQ@mail.gmail.com>
Subject: Photos of the damaged stand
To: support@acme.example
Content-Type: multipart/mixed; boundary="000000000000c4d5e6062f8c0a1b"

--000000000000c4d5e6062f8c0a1b
Content-Type: multipart/alternative; boundary="000000000000c4d5e3062f8c0a19"

--000000000000c4d5e3062f8c0a19
Content-Type: text/plain; charset="UTF-8"

Here is the photo. Order 55120.

--000000000000c4d5e3062f8c0a19
Content-Type: text/html; charset="UTF-8"

<div dir="auto">Here is the photo. Order 55120.</div>

--000000000000c4d5e3062f8c0a19--
--000000000000c4d5e6062f8c0a1b
Content-Type: image/png; name="IMG_20250310_135812.png"
Content-Disposition: attachment; filename="IMG_20250310_135812.png"
Content-Transfer-Encoding: base64
Content-ID: <f_m80q1z7c0>
X-Attachment-Id: f_m80q1z7c0

${base64Lines(assets.screenshotPng)}
--000000000000c4d5e6062f8c0a1b--
`,
  ),
  m(
    '035-outlook-ios',
    CRLF,
    `From: Bjorn Dahl <bjorn.dahl@corp.example.com>
To: "support@acme.example" <support@acme.example>
Subject: Laptop won't charge
Thread-Topic: Laptop won't charge
Thread-Index: AQHbkZ1sYXB0b3Bfd29udF9jaGFyZ2U=
Date: Mon, 10 Mar 2025 15:20:00 +0000
Message-ID: <PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2@PAXPR02MB7890.eurprd02.prod.outlook.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
Content-Type: multipart/alternative;
\tboundary="_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_"
MIME-Version: 1.0

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

${base64Lines(
  byteString(`My laptop (asset 30217) stopped charging. The LED stays off with two different chargers.

Get Outlook for iOS<https://aka.ms/o0ukef>
`),
)}

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

${base64Lines(byteString(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div dir="auto">My laptop (asset 30217) stopped charging. The LED stays off with two different chargers.</div><div dir="auto"><br></div><div id="ms-outlook-mobile-signature" dir="auto">Get <a href="https://aka.ms/o0ukef">Outlook for iOS</a></div></body></html>`))}

--_000_PAXPR02MB7890D1E2F3A4B5C6D7E8F9A0B1C2PAXPR02MB7890eurp_--
`,
  ),
  m(
    '036-priority-urgent-all-headers',
    CRLF,
    `From: Ingrid Berg <ingrid.berg@corp.example.com>
To: support@acme.example
Subject: Production down: ERP not reachable
Date: Tue, 11 Mar 2025 06:55:00 +0000
Message-ID: <000101db9240$5a6b7c80$0f1e2d3c$@corp.example.com>
MIME-Version: 1.0
X-Priority: 1 (Highest)
X-MSMail-Priority: High
Importance: High
Priority: urgent
X-Mailer: Microsoft Outlook 16.0
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

ERP (erp.corp.example.com) has been unreachable since 07:40. All warehouses are
blocked. Please call +47 400 00 001.
`,
  ),
  m(
    '037-priority-low',
    LF,
    `Return-Path: <nils@example.net>
From: Nils Aas <nils@example.net>
To: support@acme.example
Subject: Typo on the pricing page
Date: Tue, 11 Mar 2025 09:00:00 +0100
Message-ID: <87a5b6c7d8.fsf@nils.example.net>
X-Priority: 5 (Lowest)
Importance: low
Priority: non-urgent
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

"Enterprize" should be "Enterprise" in the third column. No hurry.
`,
  ),
  m(
    '038-cc-bcc-reply-to-sender',
    LF,
    `Return-Path: <assistant@corp.example.com>
From: Ingrid Berg <ingrid.berg@corp.example.com>
Sender: Office Assistant <assistant@corp.example.com>
Reply-To: Finance Team <finance@corp.example.com>, ingrid.berg@corp.example.com
To: ACME Service Desk <support@acme.example>, "Account Manager, ACME" <am@acme.example>
Cc: "Hansen, Per" <per.hansen@corp.example.com>,
 ${encodedWordQ('Bjørn Dahl')} <bjorn.dahl@corp.example.com>
Bcc: audit@corp.example.com
Subject: Contract renewal 2025 - who signs?
Date: Tue, 11 Mar 2025 10:30:00 +0100
Message-ID: <20250311093000.3F2E1D0C@assistant.corp.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

${byteString(`(Sent on behalf of Ingrid Berg)

Who on your side signs the 2025 renewal? Please answer to the finance team.`)}
`,
  ),
  m(
    '039-undisclosed-recipients-group',
    LF,
    `Return-Path: <newsletter@partner.example>
From: Partner News <newsletter@partner.example>
To: undisclosed-recipients:;
Subject: Maintenance window Saturday 15 March
Date: Tue, 11 Mar 2025 12:00:00 +0100
Message-ID: <maint-2025-03-15@partner.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Our data centre will be in maintenance on Saturday 15 March, 22:00-02:00 CET.
`,
  ),
  m(
    '048-many-received-arc-dkim',
    CRLF,
    `Received: from AS8PR02MB9952.eurprd02.prod.outlook.com (2603:10a6:20b:5a1::9) by
 DB9PR02MB7321.eurprd02.prod.outlook.com with HTTPS; Wed, 12 Mar 2025 08:01:05
 +0000
Received: from DU2PR04CA0012.eurprd04.prod.outlook.com (2603:10a6:10:3b::17)
 by AS8PR02MB9952.eurprd02.prod.outlook.com (2603:10a6:20b:5a1::9) with
 Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8489.28; Wed, 12 Mar
 2025 08:01:04 +0000
Received: from mx.acme.example (198.51.100.5) by
 DU2PR04CA0012.mail.protection.outlook.com (10.167.8.140) with Microsoft SMTP
 Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8489.18 via
 Frontend Transport; Wed, 12 Mar 2025 08:01:03 +0000
Received: from relay.example.fi (relay.example.fi [192.0.2.77])
\tby mx.acme.example (Postfix) with ESMTPS id 4Q3a0B1c2Dz9sMn
\tfor <support@acme.example>; Wed, 12 Mar 2025 09:01:02 +0100 (CET)
Received: from [10.0.0.12] (unknown [10.0.0.12])
\tby relay.example.fi (Postfix) with ESMTPSA id 0A1B2C3D
\tfor <support@acme.example>; Wed, 12 Mar 2025 10:00:58 +0200 (EET)
ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;
 b=QVJDU2VhbEZpeHR1cmVPbmx5Tm90QVJlYWxTaWduYXR1cmVKdXN0VGhlU2hhcGVPZkl0QXNJdEFwcGVhcnNJbk91dGxvb2s=
ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;
 s=arcselector10001;
 h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;
 bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;
 b=QVJDTWVzc2FnZVNpZ25hdHVyZUZpeHR1cmVPbmx5
ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass
 smtp.mailfrom=example.fi; dmarc=pass action=none header.from=example.fi;
 dkim=pass header.d=example.fi; arc=none
Authentication-Results: spf=pass (sender IP is 198.51.100.5)
 smtp.mailfrom=example.fi; dkim=pass (signature was verified)
 header.d=example.fi;dmarc=pass action=none header.from=example.fi;
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.fi;
\ts=mail2024; t=1741766458;
\tbh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
\th=From:To:Subject:Date:Message-ID;
\tb=REtJTVNpZ25hdHVyZUZpeHR1cmVPbmx5Tm90UmVhbA==
From: Aino Virtanen <aino.virtanen@example.fi>
To: support@acme.example
Subject: Question about the data processing agreement, section 4.2 (sub-processors),
 and whether the new hosting provider announced in February is covered by it
Date: Wed, 12 Mar 2025 10:00:57 +0200
Message-ID: <0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0@example.fi>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 7bit
X-MS-Exchange-Organization-Network-Message-Id: 9d8c7b6a-5f4e-3d2c-1b0a-f9e8d7c6b5a4
X-MS-Exchange-Organization-MessageDirectionality: Incoming
X-MS-Exchange-Organization-AuthSource: DU2PR04CA0012.eurprd04.prod.outlook.com
X-MS-Exchange-Organization-AuthAs: Anonymous

Hello,

section 4.2 of the DPA lists your sub-processors. Is the hosting provider
you announced in February already covered, or will there be an amendment?

Best regards,
Aino Virtanen
`,
  ),
];
