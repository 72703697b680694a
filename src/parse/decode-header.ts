import libmime from 'libmime';

/**
 * RFC 2047 decoding of one unfolded header value. libmime resolves charset aliases and decodes
 * through iconv-lite; adjacent encoded-words separated only by whitespace are joined (RFC 2047 6.2).
 */
export function decodeHeaderValue(raw: string): string {
  if (!raw.includes('=?')) return raw;
  try {
    return libmime.decodeWords(raw);
  } catch {
    // A broken encoded-word must not lose the header: keep it as written.
    return raw;
  }
}
