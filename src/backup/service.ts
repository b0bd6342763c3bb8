// Backups as a service: run one (write, verify, record, audit, prune by count and age), list the
// archives in backup.dir with their recorded verification, the "last backup failed" alert for
// admins, and whether a scheduled backup was missed while the server was down.
import fs from 'node:fs';
import path from 'node:path';
import cron from 'node-cron';
import type { Core } from '../core';
import type { AuditSource } from '../audit/writer';
import { NotFoundError } from '../lib/errors';
import { ARCHIVE_NAME, type BackupResult } from './create';
import { backupOnWorker } from './worker';

export type BackupKind = 'scheduled' | 'manual' | 'pre-migration' | 'safety';

export interface BackupRow {
  id: number;
  file: string | null;
  dir: string;
  kind: BackupKind;
  status: 'running' | 'succeeded' | 'failed';
  started_at: string;
  finished_at: string | null;
  size: number | null;
  rows: number | null;
  duration_ms: number | null;
  verified_at: string | null;
  verified_ok: boolean | null;
  problems: string | null;
  error: string | null;
  created_by: number | null;
}

export interface ArchiveListing {
  file: string;
  size: number;
  created_at: string;
  kind: BackupKind | null;
  verified: boolean | null;
  verified_at: string | null;
  problems: string | null;
}

export function backupDirOf(config: Core['config']): string {
  return config.backup.dir ? path.resolve(config.backup.dir) : path.join(config.dataDir, 'backups');
}

/** The time between two runs of a cron schedule (a day for a nightly one). */
export function schedulePeriodMs(schedule: string, timezone = 'UTC'): number | null {
  if (!schedule || !cron.validate(schedule)) return null;
  const task = cron.createTask(schedule, () => undefined, { timezone });
  try {
    const [a, b] = task.getNextRuns(2);
    return a && b ? b.getTime() - a.getTime() : null;
  } finally {
    void task.destroy();
  }
}

function stampOf(file: string): string {
  const m = ARCHIVE_NAME.exec(file);
  if (!m) return '';
  const s = m[1];
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.000Z`;
}

export function createBackupsService(core: Core) {
  const { knex } = core.db;
  const dir = () => backupDirOf(core.config);
  const one = (r: Record<string, unknown> | undefined) => (r ? core.db.rows.one<BackupRow>('backups', r) : null);

  async function prune(): Promise<string[]> {
    const { keepCount, keepDays } = core.config.backup;
    let names: string[];
    try {
      names = fs.readdirSync(dir());
    } catch {
      return [];
    }
    const files = names.filter((f) => ARCHIVE_NAME.test(f)).sort((a, b) => stampOf(b).localeCompare(stampOf(a)) || b.localeCompare(a));
    const cutoff = core.clock.now().getTime() - keepDays * 86_400_000;
    const removed: string[] = [];
    files.forEach((f, i) => {
      if (i === 0) return; // the newest archive is always kept
      const tooMany = keepCount > 0 && i >= keepCount;
      const tooOld = keepDays > 0 && Date.parse(stampOf(f)) < cutoff;
      if (tooMany || tooOld) {
        fs.rmSync(path.join(dir(), f), { force: true });
        removed.push(f);
      }
    });
    return removed;
  }

  return {
    dir,

    /** Writes a backup, verifies it, records the outcome and prunes old archives; a failure is recorded and rethrown. */
    async run(kind: BackupKind, source: AuditSource): Promise<{ result: BackupResult; row: BackupRow; pruned: string[] }> {
      // The row is written when the run ends, so a snapshot never holds a "running" backup of itself.
      const startedAt = core.clock.now().toISOString();
      const base = { dir: dir(), kind, started_at: startedAt, created_by: source.userId };
      try {
        const { result, check } = await backupOnWorker({ config: core.config, dir: dir(), createdAt: startedAt, configFile: process.env.KEHU_CONFIG ? path.resolve(process.env.KEHU_CONFIG) : undefined });
        const rows = Object.values(result.manifest.tables).reduce((s, t) => s + t.rows, 0);
        const problems = [...result.manifest.warnings, ...check.problems];
        const id = await knex.transaction(async (trx) => {
          const [ins] = await trx('backups').insert({
            ...base, file: result.file, status: check.ok ? 'succeeded' : 'failed', finished_at: core.clock.now().toISOString(), size: result.size, rows, duration_ms: result.durationMs,
            verified_at: core.clock.now().toISOString(), verified_ok: check.ok, problems: problems.length ? problems.join('\n') : null,
            error: check.ok ? null : `the new archive failed verification: ${check.problems.join('; ')}`,
          }).returning('id');
          await core.audit.record(trx, source, { action: 'backup', recordType: 'system', recordId: result.file.slice(0, 64), changes: { backup: [null, { file: result.file, kind, size: result.size, rows, verified: check.ok, dir: dir() }] } });
          return Number(typeof ins === 'object' ? ins.id : ins);
        });
        if (!check.ok) throw Object.assign(new Error(`the new archive ${result.file} failed verification: ${check.problems.join('; ')}`), { recorded: true });
        const pruned = await prune();
        if (pruned.length) core.log.info({ pruned }, 'old backups removed (backup.keepCount / backup.keepDays)');
        return { result, row: one(await knex('backups').where({ id }).first())!, pruned };
      } catch (err) {
        const message = (err as Error).message.slice(0, 4000);
        if (!(err as { recorded?: boolean }).recorded) {
          await knex('backups').insert({ ...base, status: 'failed', finished_at: core.clock.now().toISOString(), error: message }).catch((e) => core.log.error({ err: e }, 'could not record the failed backup'));
          await core.audit.record(knex, source, { action: 'backup_failed', recordType: 'system', recordId: null, changes: { error: [null, message.slice(0, 500)] } }).catch(() => undefined);
        }
        core.log.error({ err, kind }, 'backup failed');
        throw err;
      }
    },

    /** Archives in backup.dir, newest first, with what the database recorded about each. */
    async list(): Promise<ArchiveListing[]> {
      let files: string[] = [];
      try {
        files = fs.readdirSync(dir()).filter((f) => ARCHIVE_NAME.test(f));
      } catch {
        /* missing or unreadable: the failures say why */
      }
      const rows = files.length ? (await knex('backups').whereIn('file', files).orderBy('id')).map((r) => one(r)!) : [];
      const byFile = new Map(rows.map((r) => [r.file!, r]));
      return files
        .map((file) => {
          const row = byFile.get(file);
          let size = 0;
          try {
            size = fs.statSync(path.join(dir(), file)).size;
          } catch {
            /* removed meanwhile */
          }
          return { file, size, created_at: stampOf(file), kind: row?.kind ?? null, verified: row ? row.verified_ok : null, verified_at: row?.verified_at ?? null, problems: row?.problems ?? null };
        })
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.file.localeCompare(a.file));
    },

    /** The absolute path of an archive in backup.dir, by its exact name. */
    pathOf(file: string): string {
      if (!ARCHIVE_NAME.test(file) || file !== path.basename(file)) throw new NotFoundError('backup');
      const full = path.join(dir(), file);
      if (!fs.existsSync(full)) throw new NotFoundError('backup');
      return full;
    },

    async lastSuccess(): Promise<BackupRow | null> {
      return one(await knex('backups').where({ status: 'succeeded' }).orderBy('id', 'desc').first());
    },

    async last(): Promise<BackupRow | null> {
      return one(await knex('backups').whereNot({ status: 'running' }).orderBy('id', 'desc').first());
    },

    async recent(limit = 10): Promise<BackupRow[]> {
      return (await knex('backups').orderBy('id', 'desc').limit(limit)).map((r) => one(r)!);
    },

    /** For the admins' banner: the newest finished backup failed (and none succeeded since). */
    async alert(): Promise<BackupRow | null> {
      const last = await this.last();
      return last && last.status === 'failed' ? last : null;
    },

    /** A scheduled backup was missed: data exists and the last success is older than the schedule's period. */
    async missed(timezone: string): Promise<boolean> {
      const period = schedulePeriodMs(core.config.backup.schedule, timezone);
      if (!period) return false;
      const [{ n }] = await knex('users').count({ n: '*' });
      if (Number(n) === 0) return false;
      const last = await this.lastSuccess();
      if (!last) return true;
      return core.clock.now().getTime() - Date.parse(last.started_at) > period;
    },

    prune,
  };
}

export type BackupsService = ReturnType<typeof createBackupsService>;
