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
