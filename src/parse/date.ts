/**
 * RFC 5322 section 3.3 date-time parsing that keeps the sender's UTC offset.
 * JavaScript's Date drops the offset, but CreatedAt should say when the customer wrote
 * "in their time", so we format ISO 8601 with the original offset ourselves.
 */

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/** RFC 5322 4.3 obsolete zones; military letters are "-0000" (unknown) per the RFC's erratum. */
const OBS_ZONES: Record<string, number> = {
  ut: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

const DATE_RE =
  /^\s*(?:[A-Za-z]{2,9}\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([+-]\d{4}|[+-]\d{2}:\d{2}|[A-Za-z]{1,5})?/;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Parse a Date header; returns ISO 8601 with the header's own offset, or undefined. */
export function parseMailDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Drop RFC 5322 comments such as "(CET)" or "(Pacific Standard Time)".
  const text = value.replace(/\([^()]*\)/g, ' ');
  const m = DATE_RE.exec(text);
  if (!m) return parseIsoLike(text);
  const [, dd, mon, yy, hh, mi, ss, zone] = m;
  const month = MONTHS[mon!.toLowerCase()];
  if (!month) return undefined;
  let year = Number(yy);
  // RFC 5322 4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx; three digits add 1900.
  if (yy!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yy!.length === 3) year += 1900;
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss ? Number(ss) : 0;
  let offset = 0;
  if (zone) {
    if (/^[+-]\d{2}:?\d{2}$/.test(zone)) {
      const z = zone.replace(':', '');
      offset = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
    } else {
      offset = OBS_ZONES[zone.toLowerCase()] ?? 0;
    }
  }
  if (hour > 23 || minute > 59 || second > 60 || Math.abs(offset) > 14 * 60) return undefined;
  // Reject impossible calendar dates (31 Feb) by round-tripping through UTC.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return undefined;
  }
  const sec = Math.min(second, 59); // a leap second 60 is stored as :59
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(sec)}${formatOffset(offset)}`;
}

/** Some broken clients write ISO 8601 into Date:; accept it, keeping its offset (Z becomes +00:00). */
function parseIsoLike(text: string): string | undefined {
  const m =
    /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, z] = m;
  const zone = !z || z === 'Z' ? '+00:00' : z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${zone}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** The date of a Received header: RFC 5321 4.4 puts it after the last ";". */
export function receivedDate(value: string): string | undefined {
  const i = value.lastIndexOf(';');
  if (i < 0) return undefined;
  return parseMailDate(value.slice(i + 1));
}
