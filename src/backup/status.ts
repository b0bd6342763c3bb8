// The admin status page's facts: version, database kind and size, free disk of the data and backup
// directories, the last backup and its verification, recent job runs, and the license.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageJson } from '../lib/paths';

export interface DiskInfo {
  path: string;
  free_bytes: number | null;
  total_bytes: number | null;
}

function disk(dir: string): DiskInfo {
  // The backup directory may not exist yet: report the disk it will be created on.
  let probe = path.resolve(dir);
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    const s = fs.statfsSync(probe);
    return { path: dir, free_bytes: Number(s.bavail) * Number(s.bsize), total_bytes: Number(s.blocks) * Number(s.bsize) };
  } catch {
    return { path: dir, free_bytes: null, total_bytes: null };
  }
}

async function databaseSize(app: FastifyInstance): Promise<number | null> {
  const { db } = app.core;
  if (db.dialect === 'sqlite') {
    return ['', '-wal'].reduce((sum, suffix) => {
      try {
        return sum + fs.statSync(db.sqliteFile! + suffix).size;
      } catch {
        return sum;
      }
    }, 0);
  }
  const row = (await db.knex.raw('select pg_database_size(current_database()) as size')).rows[0];
  return Number(row.size);
}

export async function systemStatus(app: FastifyInstance) {
  const { config, db } = app.core;
  const backups = app.services.backups;
  const license = (app.services as unknown as { license?: { status(): Promise<unknown> } }).license;
  return {
    version: packageJson.version,
    database: { dialect: db.dialect, size_bytes: await databaseSize(app) },
    disks: { data: disk(config.dataDir), backups: disk(backups.dir()) },
    backups: {
      dir: backups.dir(),
      schedule: config.backup.schedule || null,
      keep_count: config.backup.keepCount,
      keep_days: config.backup.keepDays,
      last: await backups.last(),
      last_success: await backups.lastSuccess(),
      alert: await backups.alert(),
    },
    jobs: await app.jobs.recentRuns(undefined, 15),
    license: license ? await license.status() : null,
  };
}
