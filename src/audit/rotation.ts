// Rotation: sealed entries older than audit.retentionDays move, in seq order, into monthly archive
// pieces. Each piece is written and fsynced first; then one transaction records its checkpoint and
// deletes its entries, so an entry is always in exactly one place that verify can reach. The chain
// carries across: the first entry left in the table follows the last archived one.
import os from 'node:os';
import type { Core } from '../core';
import { ConflictError } from '../lib/errors';
import { DAY } from '../lib/time';
import { releaseLease, tryAcquireLease } from '../db/leases';
import { archiveDir, pieceName, removePiece, writeHeadFile, writePiece } from './archive';
import { ENTRY_COLUMNS, listCheckpoints, withValues } from './store';

/** Rotation and erasure rewrite archive pieces; one at a time across processes. */
const LEASE = 'audit.archive';
/** Entries per piece at most, so a piece is read into memory comfortably. */
export const MAX_PIECE_ENTRIES = 50_000;

export async function withArchiveLease<T>(core: Core, fn: () => Promise<T>): Promise<T> {
  const holder = `${os.hostname()}#${process.pid}#${Math.random().toString(36).slice(2, 8)}`;
  if (!(await tryAcquireLease(core.db.knex, core.clock, LEASE, holder, 60 * 60_000))) {
    throw new ConflictError('the audit archive is being rotated or erased by another process; try again shortly');
  }
  try {
    return await fn();
  } finally {
    await releaseLease(core.db.knex, LEASE, holder);
  }
}

export interface RotationResult {
  pieces: Array<{ file: string; fromSeq: number; throughSeq: number; entries: number }>;
  deletedFiles: string[];
}

export async function rotate(core: Core, options: { maxPieceEntries?: number } = {}): Promise<RotationResult> {
  return withArchiveLease(core, async () => ({ pieces: await archiveOld(core, options.maxPieceEntries ?? MAX_PIECE_ENTRIES), deletedFiles: await deleteExpiredFiles(core) }));
}

async function archiveOld(core: Core, maxPieceEntries: number): Promise<RotationResult['pieces']> {
  const { knex } = core.db;
  const dir = archiveDir(core.config.dataDir);
  const cutoff = new Date(core.clock.now().getTime() - core.config.audit.retentionDays * DAY).toISOString();
  const last = (await listCheckpoints(knex)).at(-1);
  let from = last ? last.through_seq + 1 : 1;
  // Archive a prefix of the chain: up to the first sealed entry that is still young.
  const young = await knex('audit_log').whereNotNull('seq').andWhere('at', '>=', cutoff).min({ s: 'seq' }).first();
  const sealed = await knex('audit_log').max({ s: 'seq' }).first();
  const through = young?.s != null ? Number(young.s) - 1 : Number(sealed?.s ?? 0);
  const pieces: RotationResult['pieces'] = [];
  while (from <= through) {
    const rows = await knex('audit_log').whereBetween('seq', [from, Math.min(through, from + maxPieceEntries - 1)]).orderBy('seq').select(ENTRY_COLUMNS);
    if (!rows.length || Number(rows[0].seq) !== from) throw new Error(`the audit chain has no entry with seq ${from}; run "kehu audit:verify" before rotating`);
    // A piece holds one month (UTC): cut at the first entry of another month.
    const month = String(rows[0].at).slice(0, 7);
    const cut = rows.findIndex((r) => String(r.at).slice(0, 7) !== month);
    const entries = await withValues(knex, cut === -1 ? rows : rows.slice(0, cut));
    const toSeq = Number(entries.at(-1)!.seq);
    if (toSeq - from + 1 !== entries.length) throw new Error(`the audit chain has a gap between seq ${from} and ${toSeq}; run "kehu audit:verify"`);
    const file = pieceName(month, from, toSeq);
    const sha = writePiece(dir, file, entries);
    const ids = entries.map((e) => e.id);
    const ats = entries.map((e) => e.at).sort();
    try {
      await knex.transaction(async (trx) => {
        await trx('audit_checkpoints').insert({
          at: core.clock.now().toISOString(), from_seq: from, through_seq: toSeq, head_hash: entries.at(-1)!.hash, file, file_sha256: sha,
          entries: entries.length, min_id: Math.min(...ids), max_id: Math.max(...ids), first_at: ats[0], last_at: ats.at(-1),
        });
        for (let i = 0; i < ids.length; i += 500) await trx('audit_values').whereIn('entry_id', ids.slice(i, i + 500)).delete();
        const deleted = await trx('audit_log').whereBetween('seq', [from, toSeq]).delete();
        if (deleted !== entries.length) throw new Error(`audit entries ${from}..${toSeq} changed while they were archived`);
      });
    } catch (err) {
      removePiece(dir, file);
      throw err;
    }
    writeHeadFile(dir, { seq: toSeq, hash: entries.at(-1)!.hash, at: core.clock.now().toISOString() });
    pieces.push({ file, fromSeq: from, throughSeq: toSeq, entries: entries.length });
    from = toSeq + 1;
  }
  return pieces;
}

/** With audit.deleteArchivesAfterDays set, files whose newest entry is older go; their checkpoints stay. */
async function deleteExpiredFiles(core: Core): Promise<string[]> {
  const days = core.config.audit.deleteArchivesAfterDays;
  if (!days) return [];
  const { knex } = core.db;
  const before = new Date(core.clock.now().getTime() - days * DAY).toISOString();
  const expired = await knex('audit_checkpoints').whereNull('file_deleted_at').andWhere('last_at', '<', before).orderBy('from_seq').select('id', 'file');
  for (const cp of expired) {
    // The row first: a file left behind by a crash is harmless, a checkpoint without its file is not.
    await knex('audit_checkpoints').where({ id: cp.id }).update({ file_deleted_at: core.clock.now().toISOString() });
    removePiece(archiveDir(core.config.dataDir), cp.file);
  }
  return expired.map((cp) => cp.file);
}
