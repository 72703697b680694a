/**
 * Every limit the pipeline enforces, as a named constant. Overrides come from configuration
 * (`limits` section) and are validated: a limit is a positive integer within a sane range, never
 * `0 || default` (postal-mime's rule: a zero must never silently mean "use the default").
 */
export const DEFAULT_LIMITS = {
  /** Largest mail accepted, in bytes. Larger mail is quarantined unread past this point. */
  maxMailBytes: 100 * 1024 * 1024,
  /** Largest top-level header block, in bytes (RFC 5322 has no limit; real MTAs stop near 1 MB). */
  maxHeaderBytes: 1024 * 1024,
  /** Deepest MIME nesting accepted; deeper structures are a parser bomb, not mail. */
  maxMimeDepth: 50,
  /** Most MIME parts in one mail. */
  maxMimeParts: 1000,
  /** Most header fields in the top-level header block that are kept (the rest are dropped, noted). */
  maxHeaderFields: 2000,
  /** Longest text body kept, in characters; longer bodies are truncated with a visible note. */
  maxBodyChars: 2 * 1024 * 1024,
  /** Longest HTML body that is sanitized, in characters; longer HTML is truncated with a note. */
  maxHtmlChars: 4 * 1024 * 1024,
  /** Total size of inline (cid:) images embedded as data: URIs per mail, in bytes. */
  maxInlineImageBytes: 2 * 1024 * 1024,
  /** Bytes captured of each report part (delivery-status, rfc822 headers, feedback report). */
  maxReportPartBytes: 256 * 1024,
  /** Wall-clock cap on parsing one mail, in milliseconds: a hang becomes a quarantine reason. */
  parseTimeoutMs: 60_000,
  /** Most ids taken from a References header (newest kept). */
  maxReferences: 100,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** The limits in effect: the defaults, with the overrides (validated by src/limits-schema.ts). */
export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  return { ...DEFAULT_LIMITS, ...(overrides ?? {}) };
}
