// Every string the product shows comes from locales/<locale>.json through t(); dates, numbers
// and money are formatted with Intl in the company's time zone.
import fs from 'node:fs';
import path from 'node:path';
import { localesDir } from './paths';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

export function loadCatalogs(dir = localesDir): Record<Locale, Map<string, string>> {
  return Object.fromEntries(LOCALES.map((l) => [l, flatten(JSON.parse(fs.readFileSync(path.join(dir, `${l}.json`), 'utf8')))])) as Record<Locale, Map<string, string>>;
}

const catalogs = loadCatalogs();

/** Looks a key up; a missing key shows itself (and the locale test fails on it). */
export function t(locale: Locale, key: string, vars?: Record<string, unknown>): string {
  const text = catalogs[locale].get(key) ?? catalogs.en.get(key) ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (vars[name] === undefined || vars[name] === null ? m : String(vars[name])));
}

export function hasKey(key: string): boolean {
  return LOCALES.every((l) => catalogs[l].has(key));
}

const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f as T;
}

export function formatDateTime(locale: Locale, timeZone: string, iso: string | null | undefined, style: 'date' | 'datetime' = 'datetime'): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const f = cached(`dt|${locale}|${timeZone}|${style}`, () =>
    new Intl.DateTimeFormat(locale, style === 'date' ? { timeZone, dateStyle: 'medium' } : { timeZone, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }),
  );
  return f.format(d);
}

export function formatNumber(locale: Locale, n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  return cached(`n|${locale}`, () => new Intl.NumberFormat(locale)).format(n);
}

/** Money is integer minor units plus a currency code; never floats in storage. */
// A currency's minor-unit digits, once per currency: resolvedOptions() builds a new object on every
// call, which a board of a few hundred amounts paid for each one (~7 ms a page).
const currencyDigits = new Map<string, number>();
function minorDigits(f: Intl.NumberFormat, currency: string): number {
  let digits = currencyDigits.get(currency);
  if (digits === undefined) {
    digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    currencyDigits.set(currency, digits);
  }
  return digits;
}

export function formatMoney(locale: Locale, minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const f = cached(`m|${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency }));
  return f.format(minor / 10 ** minorDigits(f, currency));
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
