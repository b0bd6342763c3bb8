// Keeps the gram index (search_grams) in step with a record's searchable names.
import type { Knex } from 'knex';
import { bigrams } from '../../lib/text';

export async function indexNames(db: Knex, recordType: string, recordId: number, names: Array<string | null | undefined>): Promise<void> {
  await db('search_grams').where({ record_type: recordType, record_id: recordId }).delete();
  const grams = new Set<string>();
  for (const name of names) if (name) for (const g of bigrams(name)) grams.add(g);
  if (grams.size) await db('search_grams').insert([...grams].map((gram) => ({ gram, record_type: recordType, record_id: recordId })));
}

export async function unindex(db: Knex, recordType: string, recordId: number): Promise<void> {
  await db('search_grams').where({ record_type: recordType, record_id: recordId }).delete();
}
