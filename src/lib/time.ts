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
