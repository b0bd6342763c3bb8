// Erasure of a record's personal values from the audit log (a privacy request): the values of
// every entry about the record go, online and in the archive pieces; the entries, their salted
// commitments and so every hash stay, and verification still passes. An archive piece is
// rewritten under a new name and its checkpoint switched to it in the same transaction that
// deletes the online values and records the erasure; the old file is removed after the commit.
import type { Core } from '../core';
import { ValidationError } from '../lib/errors';
import type { AuditSource } from './writer';
import { archiveDir, nextRevisionName, readPiece, removePiece, writePiece } from './archive';
import { withArchiveLease } from './rotation';
import { listCheckpoints } from './store';

export interface ErasureResult {
  /** Entries whose values were removed, online and archived. */
  online: number;
  archived: number;
  files: string[];
}

export async function eraseRecordValues(core: Core, source: AuditSource, recordType: string, recordId: string): Promise<ErasureResult> {
  if (!/^[a-z_]{1,50}$/.test(recordType) || !/^[^\s]{1,64}$/.test(recordId)) throw ValidationError.field('record', 'pattern', 'must be <type>:<id>, e.g. contacts:12');
  const { knex } = core.db;
  const dir = archiveDir(core.config.dataDir);
  return withArchiveLease(core, async () => {
    const rewrites: Array<{ id: number; oldFile: string; file: string; sha: string }> = [];
    let archived = 0;
    let online: number;
    try {
      for (const cp of await listCheckpoints(knex)) {
        if (cp.file_deleted_at) continue;
        const piece = await readPiece(dir, cp.file);
        if (!piece) throw new Error(`archive file ${cp.file} is missing; run "kehu audit:verify"`);
        // Never rewrite (and so bless) a file that was altered: the checkpoint would then match it.
        if (piece.sha256 !== cp.file_sha256) throw new Error(`archive file ${cp.file} does not match its checkpoint; run "kehu audit:verify"`);
        let hits = 0;
        const entries = piece.entries.map((e) => {
          if (e.record_type !== recordType || e.record_id !== recordId || !e.values.length) return e;
          hits++;
          return { ...e, values: [] };
        });
        if (!hits) continue;
        const file = nextRevisionName(cp.file);
        rewrites.push({ id: cp.id, oldFile: cp.file, file, sha: writePiece(dir, file, entries) });
        archived += hits;
      }
      online = await knex.transaction(async (trx) => {
        const about = () => trx('audit_log').select('id').where({ record_type: recordType, record_id: recordId });
        const entries = await trx('audit_values').whereIn('entry_id', about()).countDistinct({ n: 'entry_id' }).first();
        await trx('audit_values').whereIn('entry_id', about()).delete();
        for (const r of rewrites) {
          const updated = await trx('audit_checkpoints').where({ id: r.id, file: r.oldFile }).update({ file: r.file, file_sha256: r.sha });
          if (updated !== 1) throw new Error(`checkpoint of ${r.oldFile} changed during the erasure`);
        }
        const n = Number(entries?.n ?? 0);
        // Without values of its own: after an erasure nothing about the record is left to erase.
        await core.audit.record(trx, source, { action: 'erase', recordType, recordId });
        return n;
      });
    } catch (err) {
      for (const r of rewrites) removePiece(dir, r.file);
      throw err;
    }
    for (const r of rewrites) removePiece(dir, r.oldFile);
    return { online, archived, files: rewrites.map((r) => r.file) };
  });
}
