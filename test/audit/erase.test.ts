// Erasure: `kehu audit:erase --record contacts:<id>` removes the values of every entry about the
// record, online and inside archive pieces (rewritten under a new name, checkpoint updated), records
// itself, and leaves the chain verifying; pages show "erased"; a tampered archive is never rewritten.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import { ADMIN_PASSWORD, apiClient, buildTestApp, call, manualClock, setupAdmin } from '../helper';
import { commands } from '../../src/cli/commands';
import { sealAll } from '../../src/audit/sealer';
import { verifyChain } from '../../src/audit/verify';
import { archiveDir } from '../../src/audit/archive';
import { DAY } from '../../src/lib/time';

function gz(file: string): Array<Record<string, any>> {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

async function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; out: string }> {
  const original = console.log;
  let out = '';
  console.log = (...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  };
  try {
    return { result: await fn(), out };
  } finally {
    console.log = original;
  }
}

t.test('erasing a record from the audit log, online and archived', async (t) => {
  const clock = manualClock(new Date('2026-01-05T08:00:00.000Z'));
  const { app, config } = await buildTestApp(t, { clock });
  const { knex } = app.core.db;
  const { token } = await setupAdmin(app);
  let api = apiClient(app, token);
  const a = (await api.post('/api/v1/contacts', { name: '李雷', mobile: '13800138000', email: 'li.lei@example.com' })).body.data;
  const b = (await api.post('/api/v1/contacts', { name: '韩梅梅', mobile: '13700137000' })).body.data;
  t.equal((await api.patch(`/api/v1/contacts/${a.id}`, { mobile: '13800138001', version: a.version })).status, 200);
  await sealAll(knex);

  // January goes to the archive; then one more change of A stays online.
  clock.advance(200 * DAY);
  const rotated = await app.services.auditLog.rotate();
  t.ok(rotated.pieces.length >= 1, 'January archived');
  // (signed in again: the first session expired long ago)
  const fresh = (await apiClient(app).post('/api/v1/auth/login', { email: 'admin@example.com', password: ADMIN_PASSWORD })).body.data.token;
  api = apiClient(app, fresh);
  const current = (await api.get(`/api/v1/contacts/${a.id}`)).body.data;
  t.equal((await api.patch(`/api/v1/contacts/${a.id}`, { mobile: '13800138002', version: current.version })).status, 200);
  await sealAll(knex);
  const dir = archiveDir(config.dataDir);
  const [cp] = await knex('audit_checkpoints').orderBy('from_seq').select('*');
  const archivedAbout = (id: number) => gz(path.join(dir, cp.file)).filter((e) => e.record_type === 'contacts' && e.record_id === String(id));
  t.ok(archivedAbout(a.id).every((e) => e.values.length > 0), "A's archived entries carry values");
  const onlineValues = (id: number) =>
    knex('audit_values as v').join('audit_log as l', 'l.id', 'v.entry_id').where({ 'l.record_type': 'contacts', 'l.record_id': String(id) }).count({ n: '*' }).first().then((r) => Number(r?.n));
  t.ok((await onlineValues(a.id)) > 0, 'and an online one too');
  const archivedCreate = archivedAbout(a.id).find((e) => e.action === 'create')!;

  // Bad arguments are refused before anything happens.
  await t.rejects(commands['audit:erase'].run(config, {}, []), /missing --record/);
  await t.rejects(commands['audit:erase'].run(config, { record: 'contacts' }, []), /<type>:<id>/);

  const { out } = await quietly(() => commands['audit:erase'].run(config, { record: `contacts:${a.id}` }, []));
  t.match(out, /erased the values of 1 online and \d+ archived entries/, 'the CLI reports what it erased');
  t.equal(await onlineValues(a.id), 0, 'online values gone');
  const [after] = await knex('audit_checkpoints').orderBy('from_seq').select('*');
  t.equal(after.file, cp.file.replace('.jsonl.gz', '.r1.jsonl.gz'), 'the piece was rewritten under a new name');
  t.notOk(fs.existsSync(path.join(dir, cp.file)), 'the old file is gone');
  t.not(after.file_sha256, cp.file_sha256, 'the checkpoint has the new hash');
  const rewritten = gz(path.join(dir, after.file));
  t.ok(rewritten.filter((e) => e.record_id === String(a.id) && e.record_type === 'contacts').every((e) => e.values.length === 0), "A's archived values gone");
  t.ok(rewritten.filter((e) => e.record_id === String(b.id) && e.record_type === 'contacts').every((e) => e.values.length > 0), "B's kept");
  t.equal(rewritten.length, Number(cp.entries), 'no entry lost');
  const erasure = await knex('audit_log').where({ action: 'erase' }).first();
  t.same([erasure.record_type, erasure.record_id, erasure.actor_id], ['contacts', String(a.id), null], 'the erasure is itself recorded');
  t.match(erasure.user_agent, /kehu-cli/);
  await sealAll(knex);
  const verified = await verifyChain(knex, { archiveDir: dir });
  t.equal(verified.ok, true, `the chain still verifies ${JSON.stringify(verified.problem)}`);

  // Pages and API say "erased".
  const entry = await api.get(`/api/v1/audit-log/${archivedCreate.id}`);
  t.equal(entry.status, 200);
  t.ok(entry.body.data.changes.length > 0 && entry.body.data.changes.every((c: any) => c.erased && c.before === null && c.after === null), 'every field erased');
  const html = await call(app, { method: 'GET', url: `/audit/entries/${archivedCreate.id}`, cookies: { kehu_session: fresh } });
  t.match(html.text, 'data-testid="erased"');
  t.match(html.text, '已抹除', 'in the viewer\'s language');
  t.notMatch(html.text, '13800138000');

  // A tampered archive is never rewritten (that would bless the tampering).
  const file = path.join(dir, after.file);
  const original = fs.readFileSync(file);
  fs.writeFileSync(file, zlib.gzipSync(zlib.gunzipSync(original), { level: 1 }));
  await t.rejects(app.services.auditLog.erase({ userId: null, ip: null, userAgent: 'test', requestId: null }, 'contacts', String(b.id)), /does not match its checkpoint/);
  t.equal((await knex('audit_checkpoints').where({ id: after.id }).first()).file, after.file, 'the checkpoint is unchanged');
  t.ok(gz(file).filter((e) => e.record_id === String(b.id)).some((e) => e.values.length > 0), "B's values are still there");
  fs.writeFileSync(file, original);

  // Through the service, for B: a second revision; still verifies.
  const res = await app.services.auditLog.erase({ userId: null, ip: null, userAgent: 'test', requestId: null }, 'contacts', String(b.id));
  t.ok(res.archived > 0);
  t.match(res.files[0], /\.r2\.jsonl\.gz$/, 'the next revision');
  await sealAll(knex);
  t.equal((await verifyChain(knex, { archiveDir: dir })).ok, true, 'verifies after the second erasure');
});
