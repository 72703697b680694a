import type { AttachmentOutcome } from '../types.js';
import type { AttachmentsConfig } from './config-schema.js';
import { extensionOf } from './names.js';

/** Largest single file uploaded by default, in bytes (SuperOffice Online's own mail import stops near 30 MB per mail). */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024;
/** Largest total of uploaded files per mail by default, in bytes. */
export const DEFAULT_ATTACHMENT_MAX_MAIL_BYTES = 100 * 1024 * 1024;
/** Upper bound of both settings: beyond this a file is not mail any more. */
export const MAX_ATTACHMENT_LIMIT_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Executable types not uploaded by default: the executable part of Outlook's "Level 1" list
 * (Microsoft Support, "Blocked attachments in Outlook": .ade ... .xnk), which Outlook never opens,
 * plus .dll and .psm1 (PowerShell module), which Exchange Online's default malware filter
 * ("common attachments filter") also blocks. Agents open attachments on their Windows desktops.
 */
export const DEFAULT_BLOCK_EXTENSIONS: readonly string[] = [
  'ade',
  'adp',
  'app',
  'application',
  'appref-ms',
  'bas',
  'bat',
  'chm',
  'cmd',
  'com',
  'cpl',
  'dll',
  'exe',
  'gadget',
  'hta',
  'inf',
  'ins',
  'isp',
  'jar',
  'jnlp',
  'js',
  'jse',
  'lnk',
  'msc',
  'msh',
  'msi',
  'msp',
  'mst',
  'msu',
  'pif',
  'ps1',
  'ps1xml',
  'ps2',
  'ps2xml',
  'psc1',
  'psc2',
  'psd1',
  'psm1',
  'reg',
  'scf',
  'scr',
  'sct',
  'shb',
  'shs',
  'vb',
  'vbe',
  'vbp',
  'vbs',
  'ws',
  'wsc',
  'wsf',
  'wsh',
  'xbap',
  'xll',
];

/**
 * What the policy says of one file before any upload, in mail order (the running total decides
 * maxMailBytes). Pure. `ok` means it may be uploaded.
 */
export class AttachmentPolicy {
  private total = 0;
  private readonly blocked: ReadonlySet<string>;

  constructor(private readonly cfg: AttachmentsConfig) {
    this.blocked = new Set(cfg.blockExtensions);
  }

  /** Judged from the name alone (before the content is read). */
  blockedName(name: string): boolean {
    return this.blocked.has(extensionOf(name));
  }

  /** Judged once the size is known; an allowed file counts toward the mail's total. */
  judge(
    name: string,
    size: number,
  ): { outcome: Extract<AttachmentOutcome, 'blocked' | 'too-large'>; note: string } | 'ok' {
    if (this.blockedName(name)) {
      return {
        outcome: 'blocked',
        note: `attachment ${name} not uploaded: .${extensionOf(name)} is blocked (attachments.blockExtensions)`,
      };
    }
    if (size > this.cfg.maxBytes) {
      return {
        outcome: 'too-large',
        note: `attachment ${name} not uploaded: ${size} bytes, over attachments.maxBytes (${this.cfg.maxBytes})`,
      };
    }
    if (this.total + size > this.cfg.maxMailBytes) {
      return {
        outcome: 'too-large',
        note: `attachment ${name} not uploaded: the mail's files would exceed attachments.maxMailBytes (${this.cfg.maxMailBytes})`,
      };
    }
    this.total += size;
    return 'ok';
  }

  /** Whether a file already this large can still be allowed (spooling stops early when not). */
  mayStillFit(sizeSoFar: number): boolean {
    return sizeSoFar <= this.cfg.maxBytes && this.total + sizeSoFar <= this.cfg.maxMailBytes;
  }
}
