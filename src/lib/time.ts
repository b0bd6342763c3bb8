// Times are stored and exchanged as UTC ISO-8601 strings of one fixed width
// ("2026-11-25T14:47:17.123Z"), which sort and compare correctly as text on both databases.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

export function isoPlus(clock: Clock, ms: number): string {
  return new Date(clock.now().getTime() + ms).toISOString();
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one. */
const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = ZONE_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    ZONE_FORMATS.set(timeZone, format);
  }
  return format;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in ms (+08:00 -> 28 800 000). */
export function zoneOffset(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    zoneFormat(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/;

/**
 * A wall-clock time in a time zone as the stored UTC form: "2026-11-25T09:00" (a datetime-local
 * input) or "2026-11-25" (its midnight) in Asia/Shanghai -> "2026-11-25T01:00:00.000Z". Null when
 * the text is not a real date.
 */
export function zonedToUtc(local: string, timeZone: string): string | null {
  const m = LOCAL.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0'].map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null;
  // The offset at the guessed instant, then again at the result (a daylight-saving edge).
  let utc = wall - zoneOffset(new Date(wall), timeZone);
  const again = wall - zoneOffset(new Date(utc), timeZone);
  if (again !== utc) utc = again;
  return new Date(utc).toISOString();
}

/** The stored UTC form shown as a wall clock in a time zone, for date / datetime-local inputs. */
export function utcToZoned(iso: string | null | undefined, timeZone: string, style: 'date' | 'datetime' = 'datetime'): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const wall = new Date(at.getTime() + zoneOffset(at, timeZone)).toISOString();
  return style === 'date' ? wall.slice(0, 10) : wall.slice(0, 16);
}

/** The calendar day after "YYYY-MM-DD". */
export function nextDay(ymd: string): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  return new Date(d.getTime() + DAY).toISOString().slice(0, 10);
}
