// Text helpers with no feature knowledge: the pinyin sort key that makes Chinese names sort
// identically on SQLite and Postgres (compared byte-wise), and Unicode normalisation.
import { pinyin } from 'pinyin-pro';

const HAN = /\p{Script=Han}/u;

/** NFKC folds full-width forms (Ａ１) to ASCII; lower-case and single spaces. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export const SORT_KEY_MAX = 255;

/**
 * A key that sorts names the way a Chinese reader expects: each Han character becomes its pinyin with
 * a tone digit ("张三" -> "zhang1 san1"), other text is folded; tokens are joined by a space so that
 * word-by-word order holds ("li3 ming2" < "lin2"). Compare it byte-wise (COLLATE "C" on Postgres).
 */
export function sortKey(name: string, options: { surname?: boolean } = {}): string {
  const text = name.normalize('NFKC').trim();
  if (!text) return '';
  if (!HAN.test(text)) return fold(text).slice(0, SORT_KEY_MAX);
  const tokens = pinyin(text, { toneType: 'num', type: 'array', nonZh: 'consecutive', surname: options.surname ? 'head' : 'off', v: true });
  return tokens
    .map((t) => fold(t))
    .filter(Boolean)
    .join(' ')
    .slice(0, SORT_KEY_MAX);
}

// Legal-form suffixes ignored when comparing company names.
const CHINESE_SUFFIXES = ['股份有限公司', '有限责任公司', '集团有限公司', '有限公司', '集团公司', '分公司', '公司'];
const LATIN_SUFFIX = /[\s,.]*\b(co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|incorporated|corporation|corp\.?|llc|gmbh|co\.?)\s*$/;

/** A company name reduced for duplicate detection: width, case, spaces, punctuation and legal suffixes folded away. */
export function companyKey(name: string): string {
  let s = fold(name);
  while (LATIN_SUFFIX.test(s) && s.replace(LATIN_SUFFIX, '')) s = s.replace(LATIN_SUFFIX, '');
  s = s.replace(/[\s\p{P}\p{S}]+/gu, '');
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of CHINESE_SUFFIXES) {
      if (s.endsWith(suffix) && s.length > suffix.length) {
        s = s.slice(0, -suffix.length);
        changed = true;
      }
    }
  }
  return s.slice(0, 200);
}

/**
 * The digits of a phone number in national form: "+86 138-0013-8000" -> "13800138000",
 * "+86 755 8888 1234" -> "075588881234" (a landline regains its trunk 0 without the country code).
 */
export function phoneDigits(phone: string | null | undefined): string {
  if (!phone) return '';
  let d = phone.normalize('NFKC').replace(/\D+/g, '');
  let international = false;
  if (d.startsWith('0086')) [d, international] = [d.slice(4), true];
  else if (/^\+?\s*86/.test(phone.normalize('NFKC').trim()) && d.length >= 11) [d, international] = [d.slice(2), true];
  if (international && !d.startsWith('1') && !d.startsWith('0')) d = `0${d}`;
  return d.slice(0, 30);
}

/** Reversed digits: "ends with 8000" becomes the index prefix match "0008%". */
export function reversedDigits(phone: string | null | undefined): string | null {
  const d = phoneDigits(phone);
  return d ? [...d].reverse().join('') : null;
}

export function emailKey(email: string | null | undefined): string | null {
  const e = email?.normalize('NFKC').trim().toLowerCase();
  return e ? e.slice(0, 254) : null;
}

/** Folded text without spaces, the form both indexed names and queries take for gram search. */
export function searchForm(text: string): string {
  return fold(text).replace(/[\s\p{P}\p{S}]+/gu, '');
}

/** The distinct two-character grams of a text's search form ("云帆科技" -> 云帆, 帆科, 科技). */
export function bigrams(text: string): string[] {
  const chars = [...searchForm(text)];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return [...out];
}
