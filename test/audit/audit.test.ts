// The audit log: entries written in the change's transaction (and rolled back with it), the hash chain sealed by sealAll(), tampering found by verifyChain(), erasure of values allowed, racing sealers never forking the chain.
import t, { type Test } from 'tap';
import type { Knex } from 'knex';
import { apiClient, buildTestApp, createUser, setupAdmin, testConfig } from '../helper';
import { openDatabase, type Database } from '../../src/db/database';
import { sealAll, sealPending } from '../../src/audit/sealer';
import { verifyChain, type VerifyOptions } from '../../src/audit/verify';
import { entryHash } from '../../src/audit/chain';
import type { AuditWriter } from '../../src/audit/writer';

async function auditCount(knex: Knex): Promise<number> {
  const row = await knex('audit_log').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

t.test('a change and its audit entry commit or roll back together', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const { token: adminToken, admin } = await setupAdmin(app);
  const api = apiClient(app, adminToken);
  const rep = await createUser(app, adminToken, 'sales');
  const userRow = () => knex('users').where({ id: rep.user.id }).first('name', 'email', 'version');

  // A successful update: exactly one entry, with the values beside it.
  const before = await auditCount(knex);
  const maxId = Number((await knex('audit_log').max({ m: 'id' }).first())?.m ?? 0);
  const updated = await api.patch(`/api/v1/users/${rep.user.id}`, { name: 'Renamed Rep', version: rep.user.version });
  t.equal(updated.status, 200);
  t.equal(await auditCount(knex), before + 1, 'exactly one audit entry');
  const entry = await knex('audit_log').where('id', '>', maxId).first();
  t.equal(entry.action, 'update');
  t.equal(entry.record_type, 'users');
  t.equal(entry.record_id, String(rep.user.id));
  t.equal(Number(entry.actor_id), admin.id, 'the actor is recorded');
  t.equal(entry.seq, null, 'not sealed yet');
  const values = await knex('audit_values').where({ entry_id: entry.id }).select('field', 'before_value', 'after_value');
  t.same(values.map((v) => v.field), ['name'], 'only the changed field');
  t.same(JSON.parse(values[0].before_value), rep.user.name, 'before value kept');
  t.same(JSON.parse(values[0].after_value), 'Renamed Rep', 'after value kept');
  t.same(Object.keys(JSON.parse(entry.changes)), ['name'], 'the entry commits to the changed field');

  // A refused change writes nothing.
  const afterUpdate = await userRow();
  const countBeforeDup = await auditCount(knex);
  const dup = await api.patch(`/api/v1/users/${rep.user.id}`, { email: 'admin@example.com', version: afterUpdate.version });
  t.equal(dup.status, 400, 'duplicate email refused');
  t.equal(dup.body.error.code, 'validation_failed');
  t.equal(await auditCount(knex), countBeforeDup, 'no audit entry for a failed change');
  t.same(await userRow(), afterUpdate, 'the user is unchanged');

  // A failure after the change, inside the transaction: neither the change nor an entry survives.
  const audit: AuditWriter = app.core.audit;
  const original = audit.record;
  let seenInside: string | undefined;
  try {
    audit.record = async (trx) => {
      seenInside = (await trx('users').where({ id: rep.user.id }).first('name')).name;
      throw new Error('forced failure while auditing');
    };
    const doomed = await api.patch(`/api/v1/users/${rep.user.id}`, { name: 'Doomed Name', version: afterUpdate.version });
    t.equal(doomed.status, 500, 'the request fails');
  } finally {
    audit.record = original;
  }
  t.equal(seenInside, 'Doomed Name', 'the change had been made inside the transaction when the audit failed');
  t.same(await userRow(), afterUpdate, 'the change was rolled back');
  t.equal(await auditCount(knex), countBeforeDup, 'and no entry was left');

  const again = await api.patch(`/api/v1/users/${rep.user.id}`, { name: 'Doomed Name', version: afterUpdate.version });
  t.equal(again.status, 200, 'control: with the real writer the same change succeeds');
  t.equal(await auditCount(knex), countBeforeDup + 1);
});

/**
 * verifyChain on this thread, and split into seq ranges checked by worker threads (2 or 3
 * ranges in turn, so tampering falls at and between range boundaries): the split must give
 * exactly the single walk's result.
 */
let splitCall = 0;
async function verifyBothWays(t: Test, knex: Knex, options: VerifyOptions = {}) {
  const single = await verifyChain(knex, { ...options, workers: 1 });
  const workers = [2, 3][splitCall++ % 2];
  const split = await verifyChain(knex, { ...options, workers, parallelFrom: 0, pageSize: options.pageSize ?? 2 });
  t.same(split, single, `${workers} worker ranges give the single walk's result`);
  return single;
}

t.test('the hash chain: sealing, verification, tampering, erasure', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const verify = (k: Knex, options?: VerifyOptions) => verifyBothWays(t, k, options);
  const { token: adminToken } = await setupAdmin(app);
  const api = apiClient(app, adminToken);
  for (let i = 0; i < 3; i++) {
    const u = await createUser(app, adminToken, 'sales');
    await api.patch(`/api/v1/users/${u.user.id}`, { name: `Changed ${i}`, version: u.user.version });
  }
  const total = await auditCount(knex);
  t.ok(total >= 10, `several entries to seal (${total})`);

  t.equal(await sealAll(knex), total, 'sealAll seals every entry');
  t.equal(await sealAll(knex), 0, 'and then nothing is pending');
  const sealed = await knex('audit_log').orderBy('seq').select('*');
  t.same(sealed.map((r) => Number(r.seq)), Array.from({ length: total }, (_, i) => i + 1), 'seq runs 1..n');
  const clean = await verify(knex);
  t.equal(clean.ok, true, 'the untouched chain verifies');
  t.equal(clean.checked, total, 'every entry was checked');
  t.equal(clean.headHash, sealed[sealed.length - 1].hash);
  const small = await verify(knex, { pageSize: 3 });
  t.equal(small.ok, true, 'also when read in small pages');
  t.equal(small.checked, total);

  const middle = sealed[Math.floor(total / 2)];
  const middleSeq = Number(middle.seq);
  const middleId = Number(middle.id);

  // 1. An altered entry.
  await knex('audit_log').where({ id: middle.id }).update({ action: 'innocent' });
  const altered = await verify(knex);
  t.equal(altered.ok, false, 'an edited action is detected');
  t.same(altered.problem && { seq: altered.problem.seq, id: altered.problem.id }, { seq: middleSeq, id: middleId }, 'and the entry is named');
  t.match(altered.problem?.reason, /altered/);
  t.equal(altered.checked, middleSeq - 1, 'everything before it checked out');
  await knex('audit_log').where({ id: middle.id }).update({ action: middle.action });
  t.equal((await verify(knex)).ok, true, 'restored: verifies again');

  // 2. A removed entry.
  const middleValues = await knex('audit_values').where({ entry_id: middle.id }).select('*');
  await knex('audit_values').where({ entry_id: middle.id }).delete();
  await knex('audit_log').where({ id: middle.id }).delete();
  const removed = await verify(knex);
  t.equal(removed.ok, false, 'a deleted entry is detected');
  t.equal(removed.problem?.seq, middleSeq + 1, 'at the entry after the gap');
  t.match(removed.problem?.reason, new RegExp(`seq ${middleSeq} is missing`));
  await knex('audit_log').insert(middle);
  if (middleValues.length) await knex('audit_values').insert(middleValues);
  t.equal((await verify(knex)).ok, true, 'restored: verifies again');

  // 3. A forged entry slipped into the middle, with a correctly computed hash of its own.
  const later = sealed.filter((r) => Number(r.seq) >= middleSeq).sort((a, b) => Number(b.seq) - Number(a.seq));
  for (const r of later) await knex('audit_log').where({ id: r.id }).update({ seq: Number(r.seq) + 1 });
  const prevHash = sealed.find((r) => Number(r.seq) === middleSeq - 1).hash;
  const forged = { at: middle.at, actor_id: null, ip: '10.6.6.6', user_agent: 'forger', request_id: null, action: 'grant', record_type: 'users', record_id: '1', changes: null };
  const [fr] = await knex('audit_log').insert({ ...forged, seq: middleSeq, prev_hash: prevHash, hash: 'x'.repeat(64) }).returning('id');
  const forgedId = Number(fr.id ?? fr);
  await knex('audit_log').where({ id: forgedId }).update({ hash: entryHash(prevHash, { ...forged, seq: middleSeq, id: forgedId }) });
  const inserted = await verify(knex);
  t.equal(inserted.ok, false, 'an inserted entry is detected');
  t.same(inserted.problem && { seq: inserted.problem.seq, id: inserted.problem.id }, { seq: middleSeq + 1, id: middleId }, 'at the genuine entry it displaced');
  t.match(inserted.problem?.reason, /previous hash/);
  await knex('audit_log').where({ id: forgedId }).delete();
  for (const r of later.reverse()) await knex('audit_log').where({ id: r.id }).update({ seq: Number(r.seq) });
  t.equal((await verify(knex)).ok, true, 'restored: verifies again');

  // 4. An altered value beside the chain.
  const withValues = await knex('audit_values as v').join('audit_log as l', 'l.id', 'v.entry_id').whereNotNull('l.seq').orderBy('l.seq').first('v.id', 'v.entry_id', 'v.field', 'v.after_value', 'l.seq');
  t.ok(withValues, 'some sealed entry has values');
  await knex('audit_values').where({ id: withValues.id }).update({ after_value: JSON.stringify('someone else') });
  const valueAltered = await verify(knex);
  t.equal(valueAltered.ok, false, 'an altered stored value is detected');
  t.equal(valueAltered.problem?.id, Number(withValues.entry_id), 'on its entry');
  t.match(valueAltered.problem?.reason, new RegExp(`field "${withValues.field}"`));
  await knex('audit_values').where({ id: withValues.id }).update({ after_value: withValues.after_value });
  t.equal((await verify(knex)).ok, true, 'restored: verifies again');

  // 5. Erasure: values may be deleted, the chain still verifies.
  const valueCount = Number((await knex('audit_values').count({ n: '*' }).first())?.n);
  t.ok(valueCount > 0, 'there are values to erase');
  await knex('audit_values').where({ entry_id: withValues.entry_id }).delete();
  const partly = await verify(knex);
  t.equal(partly.ok, true, "erasing one entry's values keeps verification passing");
  await knex('audit_values').delete();
  const erased = await verify(knex);
  t.equal(erased.ok, true, 'erasing every value keeps verification passing');
  t.equal(erased.checked, total);
  t.equal(await auditCount(knex), total, 'no entry was lost');
});

t.test('two sealers racing never fork the chain', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { knex } = app.core.db;
  await setupAdmin(app);
  // Two independent connections to the same database, as two processes would have.
  const dbs: Database[] = [];
  t.teardown(async () => {
    for (const d of dbs) await d.close();
  });
  for (let i = 0; i < 2; i++) dbs.push(await openDatabase(testConfig(db, { database: { busyTimeoutMs: 50, poolMax: 4 } })));
  const [one, two] = dbs.map((d) => d.knex);

  const source = { userId: null, ip: null, userAgent: null, requestId: null };
  let failures = 0;
  let sealedByRacers = 0;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 25; i++) await app.core.audit.record(knex, source, { action: 'probe', recordType: 'race', recordId: `${round}-${i}`, changes: { n: [i, i + 1] } });
    const pending = Number((await knex('audit_log').whereNull('seq').count({ n: '*' }).first())?.n);
    let sealedThisRound = 0;
    const racer = async (k: Knex) => {
      for (let tries = 0; tries < 200; tries++) {
        try {
          const n = await sealPending(k, 4);
          sealedThisRound += n;
          if (n === 0) return;
        } catch {
          failures++;
        }
      }
    };
    await Promise.all([racer(one), racer(two)]);
    t.equal(sealedThisRound, pending, `round ${round}: every pending entry sealed exactly once`);
    sealedByRacers += sealedThisRound;
  }
  t.comment(`sealer conflicts that rolled back: ${failures}`);

  const rows = await knex('audit_log').orderBy('seq').select('seq', 'prev_hash', 'hash');
  t.equal(rows.filter((r) => r.seq === null).length, 0, 'nothing left unsealed');
  t.same(rows.map((r) => Number(r.seq)), Array.from({ length: rows.length }, (_, i) => i + 1), 'seq is contiguous');
  t.equal(new Set(rows.map((r) => r.prev_hash)).size, rows.length, 'no two entries follow the same predecessor (no fork)');
  const result = await verifyChain(knex);
  t.equal(result.ok, true, 'the chain verifies');
  t.equal(result.checked, rows.length);
  t.ok(sealedByRacers >= 100, 'the racers sealed the probe entries');
});
