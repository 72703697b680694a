import { base64Lines } from '../lib/mime.js';
import { assets } from './assets.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Mails without a Message-ID, a Date or a From, and one with an empty body.
 */

export const MISSING_HEADERS: FixtureMail[] = [
  m(
    '021-no-message-id-scanner',
    LF,
    `Return-Path: <scanner@corp.example.com>
Received: from MFP-3F-EAST (mfp-3f-east.corp.example.com [10.20.3.15])
\tby relay.corp.example.com (Postfix) with ESMTP id 3C4D5E6F70
\tfor <support@acme.example>; Thu,  6 Mar 2025 13:02:44 +0100 (CET)
From: "MFP-3F-EAST" <scanner@corp.example.com>
To: support@acme.example
Subject: Scanned document from MFP-3F-EAST
Date: Thu, 6 Mar 2025 13:02:41 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="MFP_Boundary_20250306130241"
X-Mailer: Sharp MX-3071 Scan

--MFP_Boundary_20250306130241
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Scanned at 13:02 on MFP-3F-EAST (3rd floor, east wing).
Pages: 1

--MFP_Boundary_20250306130241
Content-Type: application/pdf; name="scan_20250306_130241.pdf"
Content-Disposition: attachment; filename="scan_20250306_130241.pdf"
Content-Transfer-Encoding: base64

${base64Lines(assets.scanPdf)}
--MFP_Boundary_20250306130241--
`,
  ),
  m(
    '022-no-date',
    LF,
    `Return-Path: <alerts@monitor.acme.example>
Received: from monitor.acme.example (monitor.acme.example [198.51.100.40])
\tby mx.acme.example (Postfix) with ESMTP id 7E8F9A0B1C
\tfor <support@acme.example>; Thu,  6 Mar 2025 14:15:09 +0100 (CET)
From: Monitoring <alerts@monitor.acme.example>
To: support@acme.example
Subject: [ALERT] disk /var above 90% on app03
Message-ID: <alert-app03-var-1741266909@monitor.acme.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Host: app03
Check: disk /var
State: WARNING (91% used, 4.1 GiB free)
Since: 2025-03-06 14:15:08 CET
`,
  ),
  m(
    '023-no-from',
    LF,
    `Return-Path: <>
Received: from localhost (localhost [127.0.0.1])
\tby legacy-erp.corp.example.com (Postfix) with SMTP id 9A0B1C2D3E
\tfor <support@acme.example>; Thu,  6 Mar 2025 15:00:00 +0100 (CET)
To: support@acme.example
Subject: ERP export finished with warnings
Date: Thu, 6 Mar 2025 15:00:00 +0100
Message-ID: <erp-export-20250306150000@legacy-erp.corp.example.com>

Export job EXP-7 finished with 3 warnings:
  W101 customer 10442 has no VAT number
  W101 customer 10917 has no VAT number
  W230 price list "Premium" missing currency
`,
  ),
  m(
    '024-empty-body',
    CRLF,
    `From: Per Hansen <per.hansen@corp.example.com>
To: support@acme.example
Subject: please call me back on +47 400 00 000
Date: Thu, 6 Mar 2025 15:30:02 +0000
Message-ID: <AM9PR03MB7012C0FFEE00112233445566@AM9PR03MB7012.eurprd03.prod.outlook.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

`,
  ),
];
