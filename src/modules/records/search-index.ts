// Keeps the gram index (search_grams) in step with a record's searchable names.
import type { Knex } from 'knex';
import { bigrams } from '../../lib/text';
import type { Reader } from '../../db/reader';

export async function indexNames(db: Knex, recordType: string, recordId: number, names: Array<string | null | undefined>): Promise<void> {
  await db('search_grams').where({ record_type: recordType, record_id: recordId }).delete();
  const grams = new Set<string>();
  for (const name of names) if (name) for (const g of bigrams(name)) grams.add(g);
  if (grams.size) await db('search_grams').insert([...grams].map((gram) => ({ gram, record_type: recordType, record_id: recordId })));
}

export async function unindex(db: Knex, recordType: string, recordId: number): Promise<void> {
  await db('search_grams').where({ record_type: recordType, record_id: recordId }).delete();
}

/** How long a gram's count steers searches before it is counted again, and how many are kept. */
const COUNT_TTL_MS = 10 * 60_000;
const COUNTS_KEPT = 20_000;

/**
 * Recent gram counts per database (its reader). A count only decides which gram drives a lookup;
 * every gram is still required by the query, so a stale count can make a search slower, never
 * wrong. Counting cost more than the search itself: "jessica" counted six grams twice.
 */
const gramCounts = new WeakMap<Reader, Map<string, { n: number; at: number }>>();

async function gramCount(reader: Reader, recordType: string, gram: string): Promise<number> {
  let counts = gramCounts.get(reader);
  if (!counts) gramCounts.set(reader, (counts = new Map()));
  const key = `${recordType}\0${gram}`;
  const now = Date.now();
  const known = counts.get(key);
  if (known && now - known.at < COUNT_TTL_MS) return known.n;
  const [row] = await reader.all<{ n: number }>('select count(*) as n from (select 1 from search_grams where gram = ? and record_type = ? limit 2000) as g', [gram, recordType]);
  const n = Number(row?.n ?? 0);
  // Map order is insertion order: re-inserting keeps the most recently counted at the end.
  counts.delete(key);
  counts.set(key, { n, at: now });
  if (counts.size > COUNTS_KEPT) counts.delete(counts.keys().next().value!);
  return n;
}

/**
 * The grams of a search, rarest first (counted up to 2,000 rows each, one short index range per
 * gram): a lookup driven from 阳新 (272 companies) rather than 明阳 (3,850) reads 14 times fewer
 * candidates. A single gram needs no counting.
 */
export async function rarestFirst(reader: Reader, recordType: string, grams: string[]): Promise<string[]> {
  if (grams.length < 2) return grams;
  const counts = new Map<string, number>();
  for (const gram of grams) counts.set(gram, await gramCount(reader, recordType, gram));
  return [...grams].sort((a, b) => counts.get(a)! - counts.get(b)!);
}
