import { createCipheriv, createHash } from 'node:crypto';

/**
 * Seeded pseudo-random numbers for the benchmark corpus: the same seed gives byte-identical mail,
 * so two runs (or two machines) measure the same input. sfc32 (Chris Doty-Humphrey's small fast
 * counter) is tiny, fast and passes PractRand well beyond what a corpus generator needs.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12);
    for (let i = 0; i < 16; i++) this.next();
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Deterministic bytes (small amounts: inline images, small attachments). */
  bytes(n: number): Buffer {
    return byteStream(`${this.next()}-${this.next()}`, n);
  }
}

/**
 * A deterministic stream of pseudo-random bytes: AES-256-CTR over zeros, keyed by the seed. Fast
 * (hardware AES) and incompressible, like a real attachment (a JPEG or a zip), so nothing in the
 * pipeline can win by accident on repetitive data.
 */
export function byteCipher(seed: string): { take(n: number): Buffer } {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return { take: (n: number) => cipher.update(Buffer.alloc(n)) };
}

export function byteStream(seed: string, n: number): Buffer {
  return byteCipher(seed).take(n);
}
