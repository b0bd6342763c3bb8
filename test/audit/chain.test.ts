// The chain's canonical text is written without JSON.stringify's general machinery: it must give
// exactly JSON.stringify's bytes (and so the same hashes) for every kind of string a column holds;
// so must SQLite's own writing of it (json_array), which verify uses first.
import crypto from 'node:crypto';
import t from 'tap';
import type BetterSqlite3 from 'better-sqlite3';
import { buildTestApp } from '../helper';
import { entryHash, entryHashOfRow, type ChainFields } from '../../src/audit/chain';
import { hashConfirmed, pgBatchReader, sqliteBatchReader, type PgQueryable, type TableRow } from '../../src/audit/segment';
import { sealAll } from '../../src/audit/sealer';
import { verifyChain } from '../../src/audit/verify';

const reference = (prev: string, e: ChainFields) =>
  crypto.createHash('sha256').update(`${prev}\n${JSON.stringify([e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes])}`).digest('hex');

t.test('entryHash equals SHA-256 of prev_hash, a newline and JSON.stringify of the 11 fields', async (t) => {
  const strings = ['plain', 'with "quote"', 'back\\slash', 'ctl\u0001\u001f\n\r\t\b\f', '中文 名字', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', '\u2028\u2029', '\u007f', '', '</script>'];
  let n = 0;
  for (const s of [...strings, null]) {
    for (const actor of [null, 0, 7, 2147483647]) {
      const e: ChainFields = {
        seq: 5, id: 9007199254740991, at: '2026-01-01T00:00:00.000Z', actor_id: actor, ip: s, user_agent: s, request_id: s,
        action: s ?? 'update', record_type: 'contacts', record_id: s, changes: s === null ? null : JSON.stringify({ [s]: [s, s] }),
      };
      const prev = 'a'.repeat(64);
      const expected = reference(prev, e);
      if (entryHash(prev, e) !== expected) t.fail(`differs for ${JSON.stringify(s)} / actor ${actor}`);
      if (entryHashOfRow(prev, [e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes, 'ignored', 'ignored']) !== expected) t.fail('the row form differs');
      n++;
    }
  }
  t.pass(`${n} entries hash as JSON.stringify would`);
});

// verify's fast path on SQLite: the database writes the same array (json_array) and so confirms the
// stored hash; anything it does not confirm is checked by entryHashOfRow instead. (Postgres reads
// entries in full; there the test checks the walk and the forgery.)
t.test("the database's canonical text confirms entries with every kind of string, and a forgery it could be fooled by is still caught", async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const source = (s: string) => ({ userId: 1, ip: s, userAgent: s, requestId: s });
  // Lone surrogates are left out: neither driver can store them as the writer hashed them.
  const strings = ['plain', 'with "quote"', 'back\\slash', 'ctl\u0001\u001f\n\r\t\b\f', '中文 名字', 'emoji 😀', '\u2028\u2029', '\u007f', '', '</script>', '{\\"a\\":1}'];
  for (const s of strings) await app.core.audit.record(knex, source(s), { action: 'update', recordType: 'contacts', recordId: s, changes: { [s || 'empty']: [s, `${s}!`] } });
  await app.core.audit.record(knex, { userId: null, ip: null, userAgent: null, requestId: null }, { action: 'probe', recordType: 'x' });
  await sealAll(knex);
  const client = (knex as unknown as { client: { config: { client: string }; acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): unknown } }).client;
  const conn = await client.acquireConnection();
  try {
    const reader = client.config.client === 'pg' ? pgBatchReader(conn as PgQueryable) : sqliteBatchReader(conn as BetterSqlite3.Database);
    const rows = await reader.entries(1, Number.MAX_SAFE_INTEGER);
    t.ok(rows.length > strings.length, `${rows.length} sealed entries`);
    if (reader.rows === 'table') t.same((rows as TableRow[]).filter((r) => !hashConfirmed(r)).map((r) => r[0]), [], "the database's text confirms every untouched entry");
  } finally {
    await client.releaseConnection(conn);
  }
  t.equal((await verifyChain(knex, { workers: 1 })).ok, true, 'the chain verifies');

  // A `changes` replaced by the text its JSON string would have inside the canonical array (its
  // quotes escaped): naive quoting would write the original bytes; a real JSON encoder does not.
  const target = await knex('audit_log').whereNotNull('changes').orderBy('seq').offset(3).first('seq', 'changes');
  await knex('audit_log').where({ seq: target.seq }).update({ changes: JSON.stringify(target.changes).slice(1, -1) });
  const forged = await verifyChain(knex, { workers: 1 });
  t.equal(forged.ok, false, 'the forged changes are detected');
  t.equal(forged.problem?.seq, Number(target.seq), 'at the forged entry');
  t.match(forged.problem?.reason, /content does not match its hash/);
});
