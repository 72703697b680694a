import type { Prng } from './prng.js';

/**
 * Text and HTML for the benchmark corpus: support-mailbox prose, a newsletter/Outlook-style HTML
 * body of a chosen size (table layout, <style> block, inline styles, links, remote images, MSO
 * conditional comments, a hidden preheader: the things a sanitizer and html-to-text must work
 * through), and non-UTF-8 samples in the charsets support mailboxes really receive.
 */

const WORDS = (
  'the order invoice delivery account password reset printer license renewal support ticket please ' +
  'thanks regards customer service issue problem error screen login update version server backup ' +
  'meeting schedule tomorrow monday report attached contract price quote shipment tracking number ' +
  'refund payment overdue reminder configuration mailbox calendar access permission request urgent'
).split(' ');

export function sentence(rng: Prng, min = 6, max = 16): string {
  const n = rng.int(min, max);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(rng.pick(WORDS));
  const s = w.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

export function paragraph(rng: Prng, sentences = rng.int(2, 6)): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) out.push(sentence(rng));
  return out.join(' ');
}

/** A plain-text body of roughly `chars` characters, lines under 78 columns (RFC 5322 2.1.1). */
export function plainBody(rng: Prng, chars: number): string {
  const paras: string[] = [];
  let size = 0;
  while (size < chars) {
    const p = wrap(paragraph(rng));
    paras.push(p);
    size += p.length + 2;
  }
  return `Hello,\n\n${paras.join('\n\n')}\n\nBest regards,\n${rng.pick(NAMES)}\n`;
}

export function wrap(text: string, width = 72): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

export const NAMES = ['Kari Nordmann', 'Ola Hansen', 'Jane Doe', 'Max Mustermann', 'Anna Svensson', 'Li Wei'];

const STYLE_BLOCK = `<style type="text/css">
body { margin:0; padding:0; font-family: Arial, Helvetica, sans-serif; }
.wrapper { width:100%; background-color:#f4f4f4; }
.content { max-width:600px; margin:0 auto; background:#ffffff; }
.btn a { background:#0066cc; color:#ffffff !important; padding:10px 18px; border-radius:4px; text-decoration:none; }
@media only screen and (max-width:480px) { .content { width:100% !important; } }
p.MsoNormal, li.MsoNormal { margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif; }
</style>`;

/**
 * An HTML body of at least `size` characters, shaped like the mail support desks get: a marketing
 * or system notification layout with nested tables, or an Outlook reply with Mso classes.
 */
export function htmlBody(rng: Prng, size: number, opts: { cids?: string[] } = {}): string {
  const head = `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>${sentence(rng, 3, 6)}</title>${STYLE_BLOCK}</head>`;
  const parts: string[] = [
    head,
    '<body style="margin:0;padding:0"><div style="display:none;max-height:0;overflow:hidden">',
    `${sentence(rng)}&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;</div>`,
    '<!--[if mso]><table role="presentation" width="600"><tr><td><![endif]-->',
    '<table class="wrapper" role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">',
    '<table class="content" role="presentation" width="600" cellpadding="0" cellspacing="0">',
  ];
  let length = parts.join('').length;
  let block = 0;
  const cids = opts.cids ?? [];
  while (length < size - 400) {
    const kind = block % 5;
    let html: string;
    if (kind === 0) {
      html = `<tr><td style="padding:20px 30px;font-size:14px;line-height:20px;color:#333333"><h2 style="margin:0 0 10px;font-size:18px">${sentence(rng, 3, 7)}</h2><p class="MsoNormal" style="margin:0 0 12px">${paragraph(rng)} <a href="https://www.example.com/track/${rng.next()}?utm_source=mail&amp;utm_medium=email" target="_blank" style="color:#0066cc">${sentence(rng, 2, 4)}</a></p></td></tr>`;
    } else if (kind === 1) {
      const rows: string[] = [];
      for (let r = 0; r < 4; r++) {
        rows.push(
          `<tr><td style="border:1px solid #ddd;padding:4px 8px">${rng.pick(WORDS)} ${rng.int(1000, 99999)}</td><td style="border:1px solid #ddd;padding:4px 8px;text-align:right">${rng.int(1, 999)},${rng.int(10, 99)} NOK</td></tr>`,
        );
      }
      html = `<tr><td style="padding:10px 30px"><table width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px"><thead><tr><th align="left">Item</th><th align="right">Price</th></tr></thead><tbody>${rows.join('')}</tbody></table></td></tr>`;
    } else if (kind === 2) {
      const cid = cids[block % Math.max(1, cids.length)];
      const src = cid ? `cid:${cid}` : `https://cdn.example.com/img/${rng.next()}.png`;
      html = `<tr><td align="center" style="padding:10px"><img src="${src}" width="560" height="${rng.int(120, 280)}" alt="${sentence(rng, 2, 4)}" style="display:block;border:0;max-width:100%"></td></tr>`;
    } else if (kind === 3) {
      const items: string[] = [];
      for (let i = 0; i < 4; i++) items.push(`<li class="MsoNormal">${sentence(rng, 4, 9)}</li>`);
      html = `<tr><td style="padding:10px 30px;font-family:Calibri,sans-serif"><ul style="margin:0;padding-left:20px">${items.join('')}</ul><div><span style="font-size:11pt;color:#1F497D">${paragraph(rng, 2)}</span><o:p></o:p></div></td></tr>`;
    } else {
      html = `<tr><td class="btn" align="center" style="padding:16px"><a href="https://portal.example.com/tickets/${rng.int(1, 99999)}" style="background:#0066cc;color:#ffffff">${sentence(rng, 2, 3)}</a><br><font face="Verdana" size="1" color="#888888">${sentence(rng)}</font></td></tr>`;
    }
    parts.push(html, '\n');
    length += html.length + 1;
    block++;
  }
  parts.push(
    '</table></td></tr></table><!--[if mso]></td></tr></table><![endif]-->',
    `<p style="font-size:10px;color:#999">${sentence(rng)} <a href="mailto:unsubscribe@example.com">unsubscribe</a></p></body></html>`,
  );
  return parts.join('');
}

/** Text in a legacy charset, as (label, text) pairs: what mail from these regions really uses. */
export const CHARSET_SAMPLES: { charset: string; subject: string; text: string }[] = [
  {
    charset: 'iso-8859-1',
    subject: 'Spørsmål om faktura – blåbærsyltetøy',
    text: 'Hei!\n\nVi har mottatt fakturaen, men beløpet stemmer ikke. Kan dere sjekke ordrenummeret?\nHilsen Åse Bjørnstad, Tromsø\n',
  },
  {
    charset: 'windows-1252',
    subject: 'Rückfrage zur Bestellung – “dringend”',
    text: 'Sehr geehrte Damen und Herren,\n\nder Betrag von 1.299 € wurde doppelt abgebucht… Bitte prüfen Sie das.\nMit freundlichen Grüßen\nJürgen Müller\n',
  },
  {
    charset: 'koi8-r',
    subject: 'Вопрос по счёту',
    text: 'Здравствуйте!\n\nПрошу проверить счёт номер 4711, сумма указана неверно.\nС уважением,\nИван Петров\n',
  },
  {
    charset: 'iso-2022-jp',
    subject: '請求書についてのお問い合わせ',
    text: 'お世話になっております。\n\n請求書の金額が注文と異なっております。ご確認をお願いいたします。\n山田太郎\n',
  },
  {
    charset: 'shift_jis',
    subject: 'パスワードの再設定',
    text: 'パスワードを再設定できません。エラー画面のスクリーンショットを添付します。\n佐藤花子\n',
  },
  {
    charset: 'gb2312',
    subject: '关于订单的问题',
    text: '您好，\n\n我的订单还没有收到，请帮忙查询物流信息。\n谢谢！\n王伟\n',
  },
  {
    charset: 'iso-8859-2',
    subject: 'Reklamacja zamówienia – pilne',
    text: 'Dzień dobry,\n\nprzesyłka dotarła uszkodzona. Proszę o kontakt.\nZ poważaniem, Łukasz Wróbel\n',
  },
];
