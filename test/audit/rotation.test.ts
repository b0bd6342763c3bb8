// Rotation: old sealed entries move into monthly archive pieces with checkpoints, the chain carries
// across, verify walks archives then the table and catches tampering in either and a cut-off head,
// readers reach into the archives, and archives are deleted only when configured.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { ADMIN_PASSWORD, apiClient, buildTestApp, call, manualClock, setupAdmin } from '../helper';
import { sealAll } from '../../src/audit/sealer';
import { verifyChain } from '../../src/audit/verify';
import { rotate } from '../../src/audit/rotation';
import { archiveDir, readHeadFile } from '../../src/audit/archive';
import { entryHash } from '../../src/audit/chain';
import { DAY } from '../../src/lib/time';

const source = { userId: null, ip: '10.0.0.9', userAgent: 'test', requestId: null };

/** Writes `n` entries a day apart from `start`, sealed. */
async function writeEntries(app: FastifyInstance, clock: ReturnType<typeof manualClock>, start: string, n: number, tag: string): Promise<void> {
  clock.set(new Date(start));
  for (let i = 0; i < n; i++) {
    await app.core.audit.record(app.core.db.knex, source, { action: 'probe', recordType: 'contacts', recordId: `${tag}${i}`, changes: { mobile: [null, `1380013${String(i).padStart(4, '0')}`] } });
    clock.advance(DAY);
  }
  await sealAll(app.core.db.knex);
}

function gz(file: string): Array<Record<string, any>> {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function writeGz(file: string, lines: Array<Record<string, unknown>>, level = 6): void {
  fs.writeFileSync(file, zlib.gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { level }));
}

async function tableCount(app: FastifyInstance): Promise<number> {
  return Number((await app.core.db.knex('audit_log').count({ n: '*' }).first())?.n);
}

t.test('rotation archives old entries month by month and the chain carries across', async (t) => {
  const clock = manualClock(new Date('2026-01-05T08:00:00.000Z'));
  const { app, config } = await buildTestApp(t, { clock });
  const { knex } = app.core.db;
  await setupAdmin(app);
  await writeEntries(app, clock, '2026-01-10T09:00:00.000Z', 30, 'a'); // Jan 10 … Feb 8
  await writeEntries(app, clock, '2026-08-01T09:00:00.000Z', 3, 'young');
  const dir = archiveDir(config.dataDir);
  const total = await tableCount(app);
  const before = await verifyChain(knex, { archiveDir: dir });
  t.equal(before.ok, true);

  // The default retention is 180 days: from Aug 5, everything before Feb 6 is old.
  clock.set(new Date('2026-08-05T00:00:00.000Z'));
  const run = await app.jobs.runNow('audit.rotate');
  t.equal(run?.status, 'succeeded', `the job ran: ${run?.error}`);
  const cps = await knex('audit_checkpoints').orderBy('from_seq').select('*');
  t.ok(cps.length >= 2, 'at least one piece per month');
  t.match(cps[0].file, /^2026-01\.1-\d+\.jsonl\.gz$/, 'named by month and seq range');
  t.ok(cps.some((c) => c.file.startsWith('2026-02.')), 'February has its own piece');
  for (const cp of cps) {
    const stat = fs.statSync(path.join(dir, cp.file));
    t.equal(stat.mode & 0o777, 0o600, `${cp.file} is private`);
    const lines = gz(path.join(dir, cp.file));
    t.equal(lines.length, Number(cp.entries), `${cp.file} holds its entries`);
    t.equal(lines.at(-1)!.hash, cp.head_hash, 'the checkpoint records the piece head');
    t.ok(lines.filter((l) => l.action === 'probe').every((l) => l.values.length === 1), 'with their values');
  }
  const archived = cps.reduce((n, c) => n + Number(c.entries), 0);
  t.equal(await tableCount(app), total - archived, 'archived entries left the table');
  t.equal(Number((await knex('audit_values').count({ n: '*' }).first())?.n) >= 3, true, 'young values stay');
  const oldest = await knex('audit_log').whereNotNull('seq').orderBy('seq').first();
  t.equal(oldest.prev_hash, cps.at(-1).head_hash, 'the first online entry follows the last archived one');
  t.ok((await knex('audit_log').where('at', '<', '2026-02-06').count({ n: '*' }).first())?.n == 0, 'nothing old stays online');
  t.equal(readHeadFile(dir)?.seq, Number(cps.at(-1).through_seq), 'HEAD records the head outside the database');

  const after = await verifyChain(knex, { archiveDir: dir });
  t.equal(after.ok, true, 'verification walks archives then the table');
  t.equal(after.checked, before.checked, 'every entry checked');
  t.equal(after.headHash, before.headHash, 'same head as before rotation');
  await t.rejects(verifyChain(knex), /archive directory/, 'verifying archived entries needs the archive directory');

  // A later rotation of the same month writes another piece; nothing is overwritten.
  const filesBefore = fs.readdirSync(dir).filter((f) => f.endsWith('.gz')).sort();
  await writeEntries(app, clock, '2026-08-20T09:00:00.000Z', 4, 'b');
  clock.set(new Date('2027-02-17T00:00:00.000Z'));
  const second = await rotate(app.core, { maxPieceEntries: 2 });
  t.ok(second.pieces.length >= 3, 'more pieces');
  t.ok(second.pieces.filter((p) => p.file.startsWith('2026-08.')).length >= 2, 'August in several pieces');
  const filesAfter = fs.readdirSync(dir).filter((f) => f.endsWith('.gz'));
  t.ok(filesBefore.every((f) => filesAfter.includes(f)), 'earlier files untouched');
  t.equal((await verifyChain(knex, { archiveDir: dir })).ok, true, 'still verifies');
  t.equal((await rotate(app.core)).pieces.length, 0, 'nothing left to rotate');

  // Readers reach into archives: the API lists them newest first across the boundary, paging by cursor.
  // (signed in again: a year has passed since setup)
  const login = await apiClient(app).post('/api/v1/auth/login', { email: 'admin@example.com', password: ADMIN_PASSWORD });
  const api = apiClient(app, login.body.data.token);
  const seen: Array<{ id: number; at: string; archived: boolean }> = [];
  let url = '/api/v1/audit-log?limit=7';
  for (let i = 0; i < 50 && url; i++) {
    const res = await api.get(url);
    t.equal(res.status, 200);
    seen.push(...res.body.data);
    url = res.body.next_cursor ? `/api/v1/audit-log?limit=7&cursor=${res.body.next_cursor}` : '';
  }
  const online = await tableCount(app);
  const archivedNow = Number((await knex('audit_checkpoints').sum({ n: 'entries' }).first())?.n);
  t.equal(seen.length, online + archivedNow, 'every entry listed once');
  t.equal(new Set(seen.map((e) => e.id)).size, seen.length, 'no duplicates');
  t.ok(seen.some((e) => e.archived) && seen.some((e) => !e.archived), 'both archived and online entries');
  const sorted = [...seen].sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1));
  t.same(seen.map((e) => e.id), sorted.map((e) => e.id), 'newest first');
  const jan = await api.get('/api/v1/audit-log?filter[at][gte]=2026-01-12&filter[at][lte]=2026-01-13&filter[action]=probe');
  t.equal(jan.body.data.length, 2, 'a date range inside an archive');
  t.ok(jan.body.data.every((e: any) => e.archived && e.changes[0].after.startsWith('1380013')), 'archived values shown (admin sees sensitive)');
  const one = await api.get(`/api/v1/audit-log/${jan.body.data[0].id}`);
  t.equal(one.status, 200, 'an archived entry by id');
  t.equal(one.body.data.archived, true);
});

t.test('verify catches tampering inside an archive and a cut-off head', async (t) => {
  const clock = manualClock(new Date('2026-01-05T08:00:00.000Z'));
  const { app, config } = await buildTestApp(t, { clock });
  const { knex } = app.core.db;
  await setupAdmin(app);
  await writeEntries(app, clock, '2026-01-10T09:00:00.000Z', 12, 'a');
  await writeEntries(app, clock, '2026-09-01T09:00:00.000Z', 5, 'young');
  clock.set(new Date('2026-08-15T00:00:00.000Z'));
  await rotate(app.core);
  const dir = archiveDir(config.dataDir);
  const cp = await knex('audit_checkpoints').orderBy('from_seq').first();
  const file = path.join(dir, cp.file);
  const original = fs.readFileSync(file);
  const lines = gz(file);
  const mid = lines[5];
  // The table's part in two worker ranges must give exactly the single walk's result.
  const verify = async () => {
    const single = await verifyChain(knex, { archiveDir: dir, workers: 1 });
    t.same(await verifyChain(knex, { archiveDir: dir, workers: 2, parallelFrom: 0, pageSize: 2 }), single, "two worker ranges give the single walk's result");
    return single;
  };
  const restore = () => fs.writeFileSync(file, original);
  t.equal((await verify()).ok, true);

  // 1. An altered entry (file hash updated too, as a careful forger would).
  writeGz(file, lines.map((l) => (l.seq === mid.seq ? { ...l, ip: '6.6.6.6' } : l)));
  let r = await verify();
  t.equal(r.ok, false, 'an edited archived entry is detected');
  t.same({ seq: r.problem?.seq, id: r.problem?.id, file: r.problem?.file }, { seq: Number(mid.seq), id: Number(mid.id), file: cp.file }, 'and named, with its file');
  t.match(r.problem?.reason, /altered/);
  restore();

  // 2. A removed entry.
  writeGz(file, lines.filter((l) => l.seq !== mid.seq));
  r = await verify();
  t.equal(r.problem?.seq, Number(mid.seq) + 1, 'a deleted archived entry is detected at the next');
  t.match(r.problem?.reason, new RegExp(`seq ${mid.seq} is missing`));
  restore();

  // 3. An inserted entry with a correct hash of its own.
  const forged: Record<string, any> = { ...mid, id: 999999, ip: '6.6.6.6', values: [] };
  forged.hash = entryHash(forged.prev_hash, forged as any);
  const shifted = lines.flatMap((l) => (l.seq === mid.seq ? [forged, l] : [l])).map((l, i) => ({ ...l, seq: i + 1 }));
  writeGz(file, shifted);
  r = await verify();
  t.equal(r.ok, false, 'an inserted archived entry is detected');
  t.equal(r.problem?.id, Number(mid.id), 'at the genuine entry it displaced');
  restore();

  // 4. An altered archived value.
  writeGz(file, lines.map((l) => (l.seq === mid.seq ? { ...l, values: [{ ...l.values[0], after_value: JSON.stringify('13900000000') }] } : l)));
  r = await verify();
  t.match(r.problem?.reason, /field "mobile"/, 'an altered archived value is detected');
  restore();

  // 5. Same content, different bytes: the file no longer matches its checkpoint.
  writeGz(file, lines, 1);
  r = await verify();
  t.equal(r.ok, false, 'a file that does not match its checkpoint hash is detected');
  t.match(r.problem?.reason, /SHA-256/);
  t.equal(r.problem?.file, cp.file);
  restore();

  // 6. A missing file.
  fs.renameSync(file, `${file}.away`);
  r = await verify();
  t.match(r.problem?.reason, /is missing/, 'a missing archive file is detected');
  fs.renameSync(`${file}.away`, file);
  t.equal((await verify()).ok, true, 'restored: verifies again');

  // 7. Cutting off the newest entries: the chain alone stays valid, HEAD outside the table does not agree.
  const job = await app.jobs.runNow('audit.verify');
  t.equal(job?.status, 'succeeded');
  const last = await app.services.auditLog.lastVerification();
  t.equal(last?.ok, true, 'the verification was recorded');
  const head = await app.services.auditLog.currentHead();
  t.same(readHeadFile(dir) && { seq: readHeadFile(dir)!.seq, hash: readHeadFile(dir)!.hash }, head, 'HEAD holds the verified head');
  const newest = await knex('audit_log').orderBy('seq', 'desc').limit(2).select('id');
  const kept = await knex('audit_log').whereIn('id', newest.map((n) => n.id)).select('*');
  const keptValues = await knex('audit_values').whereIn('entry_id', newest.map((n) => n.id)).select('*');
  await knex('audit_values').whereIn('entry_id', newest.map((n) => n.id)).delete();
  await knex('audit_log').whereIn('id', newest.map((n) => n.id)).delete();
  t.equal((await verifyChain(knex, { archiveDir: dir, pageSize: 3 })).ok, false, 'a truncated table is detected');
  r = await verify();
  t.match(r.problem?.reason, /newest entries were removed/);
  const failedJob = await app.jobs.runNow('audit.verify');
  t.equal(failedJob?.status, 'failed', 'the nightly job fails');
  const recorded = await app.services.auditLog.lastVerification();
  t.equal(recorded?.ok, false, 'and records the failure');
  t.equal(readHeadFile(dir)?.seq, head.seq, 'a failed verification does not move HEAD');
  const login = await apiClient(app).post('/api/v1/auth/login', { email: 'admin@example.com', password: ADMIN_PASSWORD });
  const jobsPage = await call(app, { method: 'GET', url: '/admin/jobs', cookies: { kehu_session: login.body.data.token } });
  t.equal(jobsPage.status, 200);
  const section = jobsPage.text.slice(jobsPage.text.indexOf('data-testid="audit-verification"'));
  t.match(section, '已损坏', 'the jobs page shows the last verification failed');
  t.match(section, `(seq ${recorded?.problem_seq})`, 'and where');
  await knex('audit_log').insert(kept);
  if (keptValues.length) await knex('audit_values').insert(keptValues);
  t.equal((await verify()).ok, true, 'restored: verifies again');
});

t.test('archives are deleted only when audit.deleteArchivesAfterDays is set; the chain still verifies', async (t) => {
  const clock = manualClock(new Date('2026-01-05T08:00:00.000Z'));
  const { app, config } = await buildTestApp(t, { clock, overrides: { audit: { sealIntervalMs: 100, retentionDays: 30, deleteArchivesAfterDays: 400 } } });
  const { knex } = app.core.db;
  await setupAdmin(app);
  await writeEntries(app, clock, '2026-01-10T09:00:00.000Z', 5, 'a');
  await writeEntries(app, clock, '2026-03-10T09:00:00.000Z', 5, 'b');
  clock.set(new Date('2026-05-01T00:00:00.000Z'));
  const first = await rotate(app.core);
  t.ok(first.pieces.length >= 2);
  t.same(first.deletedFiles, [], 'nothing old enough to delete');
  const dir = archiveDir(config.dataDir);
  t.equal(Number((await knex('audit_log').whereNotNull('seq').count({ n: '*' }).first())?.n), 0, 'every sealed entry was archived');
  await writeEntries(app, clock, '2027-02-01T09:00:00.000Z', 2, 'c');
  const lastCp = await knex('audit_checkpoints').orderBy('through_seq', 'desc').first();
  const next = await knex('audit_log').orderBy('seq').first();
  t.same([Number(next.seq), next.prev_hash], [Number(lastCp.through_seq) + 1, lastCp.head_hash], 'sealing continues the chain from the last checkpoint');
  clock.set(new Date('2027-02-20T00:00:00.000Z'));
  const second = await rotate(app.core);
  t.equal(second.deletedFiles.length, 1, 'the January piece is past 400 days');
  t.notOk(fs.existsSync(path.join(dir, second.deletedFiles[0])), 'its file is gone');
  const cp = await knex('audit_checkpoints').where({ file: second.deletedFiles[0] }).first();
  t.ok(cp.file_deleted_at, 'its checkpoint stays, marked');
  const r = await verifyChain(knex, { archiveDir: dir });
  t.equal(r.ok, true, `the chain still verifies across the deleted piece ${JSON.stringify(r.problem)}`);
  t.equal(r.checked, (await tableCount(app)) + Number((await knex('audit_checkpoints').whereNull('file_deleted_at').sum({ n: 'entries' }).first())?.n), 'entries in kept files and the table were checked');
});
