import iconv from 'iconv-lite';

/**
 * ISO-2022-JP (RFC 1468) and the extensions real Japanese mail uses, which iconv-lite lacks:
 * - CP50220/CP50221/CP50222 (Microsoft): NEC row 13 (①, ㈱) and IBM extension rows 89-92 inside
 *   JIS X 0208 sequences, half-width katakana via ESC ( I or SO/SI;
 * - ISO-2022-JP-1 (RFC 2237): JIS X 0212 via ESC $ ( D;
 * - ISO-2022-JP-2 (RFC 1554): GB 2312 (ESC $ A), KS C 5601 (ESC $ ( C), and ISO-8859-1/-7 upper
 *   halves designated to G2 (ESC . A / ESC . F) and invoked by single shift ESC N;
 * - ISO-2022-JP-3/2004: JIS X 0213 plane 1 (ESC $ ( O / ESC $ ( Q), read as its JIS X 0208 subset.
 * Double-byte runs are converted to CP932 / EUC bytes and decoded by iconv-lite's tables.
 */

type Mode = 'ascii' | 'kana' | 'jis0208' | 'jis0212' | 'gb2312' | 'ksc5601';

const ESCAPES: [string, Mode | 'g2-latin1' | 'g2-greek' | 'ignore'][] = [
  ['(B', 'ascii'],
  ['(J', 'ascii'],
  ['(H', 'ascii'],
  ['(I', 'kana'],
  ['$@', 'jis0208'],
  ['$B', 'jis0208'],
  ['$(B', 'jis0208'],
  ['$(O', 'jis0208'],
  ['$(Q', 'jis0208'],
  ['$(D', 'jis0212'],
  ['$A', 'gb2312'],
  ['$(A', 'gb2312'],
  ['$(C', 'ksc5601'],
  ['.A', 'g2-latin1'],
  ['.F', 'g2-greek'],
  ['&@', 'ignore'],
];

/** JIS X 0208 row/cell bytes (0x21-0x7E each) to Shift_JIS / CP932 bytes. */
function jisToSjis(j1: number, j2: number): [number, number] {
  const s1 = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
  const s2 = j2 + (j1 & 1 ? (j2 >= 0x60 ? 0x20 : 0x1f) : 0x7e);
  return [s1, s2];
}

export function decodeIso2022Jp(buf: Uint8Array): string {
  let out = '';
  let mode: Mode = 'ascii';
  let g2: 'latin1' | 'greek' | null = null;
  let shiftOut = false;
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    out += decodeRun(mode, run);
    run = [];
  };
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0x1b) {
      const rest = String.fromCharCode(...buf.subarray(i + 1, i + 4));
      if (rest.startsWith('N') && g2 && i + 2 < buf.length) {
        // single shift 2: one character from the G2 set
        flush();
        const byte = buf[i + 2]! | 0x80;
        out += iconv.decode(Buffer.from([byte]), g2 === 'latin1' ? 'windows-1252' : 'iso-8859-7');
        i += 2;
        continue;
      }
      const hit = ESCAPES.find(([seq]) => rest.startsWith(seq));
      if (hit) {
        flush();
        const [seq, target] = hit;
        if (target === 'g2-latin1') g2 = 'latin1';
        else if (target === 'g2-greek') g2 = 'greek';
        else if (target !== 'ignore') mode = target;
        shiftOut = false;
        i += seq.length;
        continue;
      }
    }
    if (b === 0x0e) {
      flush();
      shiftOut = true;
      continue;
    }
    if (b === 0x0f) {
      flush();
      shiftOut = false;
      continue;
    }
    if (b === 0x0a || b === 0x0d) {
      // RFC 1468: a line ends in ASCII; be lenient with senders that forget to switch back
      flush();
      out += String.fromCharCode(b);
      if (mode !== 'ascii' && mode !== 'kana') mode = 'ascii';
      continue;
    }
    if (shiftOut && b >= 0x21 && b <= 0x5f) {
      flush();
      out += String.fromCharCode(0xff61 + b - 0x21);
      continue;
    }
    if (mode === 'ascii') out += String.fromCharCode(b < 0x80 ? b : 0xfffd);
    else run.push(b);
  }
  flush();
  return out;
}

function decodeRun(mode: Mode, bytes: number[]): string {
  if (mode === 'kana') {
    return bytes
      .map((b) => (b >= 0x21 && b <= 0x5f ? String.fromCharCode(0xff61 + b - 0x21) : '\ufffd'))
      .join('');
  }
  const out: number[] = [];
  let text = '';
  const charset = { jis0208: 'cp932', jis0212: 'euc-jp', gb2312: 'gb18030', ksc5601: 'cp949', ascii: '' }[
    mode
  ];
  for (let k = 0; k + 1 < bytes.length; k += 2) {
    const j1 = bytes[k]!;
    const j2 = bytes[k + 1]!;
    if (mode === 'jis0208') out.push(...jisToSjis(j1, j2));
    else if (mode === 'jis0212') out.push(0x8f, j1 | 0x80, j2 | 0x80);
    else out.push(j1 | 0x80, j2 | 0x80);
  }
  text = iconv.decode(Buffer.from(out), charset);
  if (bytes.length % 2 === 1) text += '\ufffd';
  return text;
}
