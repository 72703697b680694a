import type { AddressObject } from 'mailparser';
import type { MailAddress } from '../types.js';

interface ParsedAddress {
  name?: string;
  address?: string;
  group?: ParsedAddress[];
}

/**
 * Address lists (RFC 5322 3.4) from mailparser's parsed headers (nodemailer's addressparser, with
 * RFC 2047 names decoded), group syntax flattened.
 */
export function toMailAddresses(value: unknown): MailAddress[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  const out: MailAddress[] = [];
  const walk = (list: ParsedAddress[]) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address || a.name) out.push({ name: a.name ?? '', address: (a.address ?? '').trim() });
    }
  };
  for (const o of objects) if (o && Array.isArray(o.value)) walk(o.value as ParsedAddress[]);
  return out;
}

export function toMailAddress(value: unknown): MailAddress | undefined {
  const list = toMailAddresses(value);
  return list.find((a) => a.address) ?? list[0];
}

export function formatAddress(a: MailAddress): string {
  if (!a.name) return a.address;
  const quoted = /[(),.:;<>@[\]\\"]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, '\\$1')}"` : a.name;
  return a.address ? `${quoted} <${a.address}>` : quoted;
}
