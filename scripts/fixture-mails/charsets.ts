import { base64Lines, byteString, encodedWordQ, encodedWordsB, quotedPrintable } from '../lib/mime.js';
import { CRLF, type FixtureMail, LF, m } from './mail.js';

/**
 * Header and body charsets: RFC 2047 encoded words, ISO-8859-1, ISO-2022-JP, KOI8-R,
 * windows-1252, 8-bit text without a charset.
 */

export const CHARSETS: FixtureMail[] = [
  m(
    '013-encoded-word-utf8-b',
    LF,
    `Return-Path: <marta.kowalska@example.pl>
From: ${encodedWordsB('Marta Kowalska-Żółć', 'UTF-8', 30)} <marta.kowalska@example.pl>
To: ${encodedWordsB('ACME Kundeservice', 'UTF-8', 30)} <support@acme.example>
Subject: ${encodedWordsB('Zamówienie 88213: brak faktury – prośba o pilną wysyłkę 📄', 'UTF-8', 16)}
Date: Wed, 5 Mar 2025 10:01:33 +0100
Message-ID: <1741165293.518.marta@example.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

${base64Lines(
  byteString(`Dzień dobry,

do zamówienia 88213 nie dołączono faktury. Proszę o pilne przesłanie.

Z poważaniem,
Marta Kowalska-Żółć
`),
)}
`,
  ),
  m(
    '014-encoded-word-utf8-q-folded',
    LF,
    `Return-Path: <zoe.muller@example.ch>
From: ${encodedWordQ('Zoë Müller')} <zoe.muller@example.ch>
To: support@acme.example
Cc: ${encodedWordQ('Frédéric Noël')} <f.noel@example.ch>
Subject: ${encodedWordQ('Rückfrage zur Lieferung:')}
 ${encodedWordQ(' Größe & Gewicht der Palette')}
 ${encodedWordQ(' (Auftrag Nr. 4410)')}
Date: Wed, 5 Mar 2025 10:30:12 +0100
Message-ID: <5d1e2f3a4b5c6d7e@example.ch>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${quotedPrintable(
  byteString(`Grüezi,

wie groß und wie schwer ist die Palette für Auftrag 4410? Unser Lift trägt höchstens 500 kg.

Freundliche Grüße
Zoë Müller`),
)}
`,
  ),
  // The Q-encoded Subject comes out at 77 characters, over the 75 that RFC 2047 2 allows an
  // encoded-word; mailers do send such words and decoders accept them, so it stays.
  m(
    '015-iso-8859-1-headers-and-body',
    LF,
    `Return-Path: <jose.garcia@example.es>
From: ${encodedWordQ('José García', 'ISO-8859-1')} <jose.garcia@example.es>
To: support@acme.example
Subject: ${encodedWordQ('Factura de marzo: ¿por qué el importe es más alto?', 'ISO-8859-1')}
Date: Wed, 5 Mar 2025 11:11:11 +0100
Message-ID: <20250305101111.5F1A2B3C@smtp.example.es>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable
X-Mailer: Microsoft Outlook Express 6.00.2900.5512

${quotedPrintable(
  byteString(
    `Buenos días:

La factura de marzo es un 12 % más alta que la de febrero. ¿Podrían explicarme el motivo?

Un saludo,
José García · Contabilidad`,
    'iso-8859-1',
  ),
)}
`,
  ),
  m(
    '016-iso-2022-jp',
    LF,
    `Return-Path: <tanaka@example.co.jp>
From: ${encodedWordsB('田中 太郎', 'ISO-2022-JP', 20)} <tanaka@example.co.jp>
To: support@acme.example
Subject: ${encodedWordsB('請求書の再発行について', 'ISO-2022-JP', 20)}
Date: Thu, 6 Mar 2025 09:12:40 +0900
Message-ID: <20250306091240.A1B2C3D4E5@mail.example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit
X-Mailer: Becky! ver. 2.81.04

${byteString(
  `サポート御中

先月の請求書を紛失しました。
再発行をお願いできますでしょうか。

よろしくお願いいたします。
田中 太郎`,
  'iso-2022-jp',
)}
`,
  ),
  m(
    '017-koi8-r',
    LF,
    `Return-Path: <ivanov@example.ru>
From: ${encodedWordsB('Иван Иванов', 'KOI8-R', 20)} <ivanov@example.ru>
To: support@acme.example
Subject: ${encodedWordsB('Не работает синхронизация', 'KOI8-R', 30)}
Date: Thu, 6 Mar 2025 07:45:00 +0300
Message-ID: <1741236300.123456@mail.example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=KOI8-R
Content-Transfer-Encoding: 8bit

${byteString(
  `Здравствуйте!

С понедельника не работает синхронизация календаря.
Ошибка: «доступ запрещён».

С уважением,
Иван Иванов`,
  'koi8-r',
)}
`,
  ),
  m(
    '018-windows-1252-body',
    CRLF,
    `From: "O'Brien, Siobhan" <siobhan.obrien@corp.example.ie>
To: <support@acme.example>
Subject: Price list - "Premium" tier
Date: Thu, 6 Mar 2025 10:02:17 +0000
Message-ID: <002a01db8e7f$4c2d1b30$e4875190$@corp.example.ie>
MIME-Version: 1.0
Content-Type: text/plain;
\tcharset="windows-1252"
Content-Transfer-Encoding: 8bit
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdmOfz0ScHJpY2VfbGlzdA==
Content-Language: en-ie

${byteString(
  `Hi,

Your price list says the “Premium” tier costs €49 per user – is that per month or per year?
We’d need 40 seats… and a quote by Friday.

Thanks,
Siobhán`,
  'windows-1252',
)}
`,
  ),
  m(
    '019-8bit-text-no-charset',
    LF,
    `Return-Path: <lager@example.no>
From: Lager Nord <lager@example.no>
To: support@acme.example
Subject: Vareleveranse uke 10
Date: Thu, 6 Mar 2025 06:30:00 +0100
Message-ID: <20250306053000.12345@lager.example.no>
MIME-Version: 1.0
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

${byteString(
  `Hei,

leveransen for uke 10 er forsinket. Nye datoer:
- Tønsberg: fredag
- Bodø: mandag
- Ålesund: ukjent

Mvh
Lager Nord – Bjørn`,
  'iso-8859-1',
)}
`,
  ),
  m(
    '020-no-mime-headers-utf8-bytes',
    LF,
    `Return-Path: <root@backup01.acme.example>
Received: by backup01.acme.example (Postfix, from userid 0)
\tid 6A1B2C3D4E; Thu,  6 Mar 2025 03:00:02 +0100 (CET)
From: root@backup01.acme.example (Cron Daemon)
To: support@acme.example
Subject: Cron <root@backup01> /usr/local/bin/nightly-backup.sh
Date: Thu, 6 Mar 2025 03:00:02 +0100
Message-Id: <20250306020002.6A1B2C3D4E@backup01.acme.example>

${byteString(`nightly-backup: 14 of 15 volumes OK
nightly-backup: volume "Økonomi-arkiv" FAILED: rsync exit code 23 (partial transfer)
nightly-backup: see /var/log/backup/2025-03-06.log`)}
`,
  ),
];
