// The `kehu` commands. Each parses its own options, has --help, and fails with a non-zero exit
// and a one-line reason. Later issues add backup, restore, license:* and audit:* here.
import { parseArgs } from 'node:util';
import type { Config } from '../config/schema';
import { openDatabase } from '../db/database';
import { migrateLatest, migrationStatus } from '../db/migrate';
import { AppError, ValidationError } from '../lib/errors';
import { sealAll } from '../audit/sealer';
import { migrateWithBackup } from '../backup/upgrade';
import { verifyArchive } from '../backup/verify';
import { restoreArchive } from '../backup/restore';
import { backupDirOf } from '../backup/service';
import os from 'node:os';
import path from 'node:path';
import { openCliContext, type CliRuntime } from './context';
import fs from 'node:fs';
import { serve } from '../server';

export class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  /** Accepts plain arguments too; they arrive as values._0, values._1 ... */
  positionals?: boolean;
  /** `runtime`: what only code passes (a test entry's license key); main.ts passes nothing. */
  run(config: Config, values: Record<string, string | boolean | undefined>, warnings: string[], runtime?: CliRuntime): Promise<void>;
}

function required(values: Record<string, unknown>, names: string[]): void {
  const missing = names.filter((n) => typeof values[n] !== 'string' || values[n] === '');
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
}

export const commands: Record<string, Command> = {
  serve: {
    summary: 'Start the web server (migrations run first)',
    usage: 'kehu serve',
    options: {},
    async run(config, _values, warnings) {
      await serve(config, warnings);
    },
  },

  migrate: {
    summary: 'Apply pending database migrations, or list them with --status',
    usage: 'kehu migrate [--status]',
    options: { status: { type: 'boolean' } },
    async run(config, values) {
      const db = await openDatabase(config);
      try {
        if (values.status) {
          const { applied, pending } = await migrationStatus(db.knex);
          console.log(`applied: ${applied.length}`);
          for (const p of pending) console.log(`pending: ${p}`);
          if (!pending.length) console.log('the database is up to date');
          return;
        }
        // Behind an automatic backup when the database holds data, like the server's start.
        const { applied, backup } = await migrateWithBackup(db, config);
        if (backup) console.log(`backup before migrating: ${backup.path}`);
        console.log(applied.length ? `applied ${applied.join(', ')}` : 'the database is up to date');
      } finally {
        await db.close();
      }
    },
  },

  'user:create': {
    summary: 'Create a user (on a fresh install, the first administrator)',
    usage: 'kehu user:create --email E --password P --name N [--role admin|manager|sales|support|auditor]',
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
    async run(config, values, _warnings, runtime) {
      required(values, ['email', 'password', 'name']);
      const ctx = await openCliContext(config, runtime);
      try {
        const { users, setup } = ctx.services;
        const prepared = await users.prepareUser({ email: String(values.email), password: String(values.password), name: String(values.name), role: String(values.role ?? 'admin') });
        const user = await ctx.core.db.knex.transaction(async (trx) => {
          const first = (await users.count(trx)) === 0;
          const created = await users.insertUser(trx, ctx.actor, prepared);
          if (first) await setup.completeWithDefaults(trx, created.id, ctx.actor);
          return created;
        });
        console.log(`created user ${user.id} <${user.email}> with role ${user.role}`);
      } finally {
        await ctx.close();
      }
    },
  },

  'user:reset-password': {
    summary: 'Set a user\'s password and sign them out everywhere (rescues a locked-out admin)',
    usage: 'kehu user:reset-password --email E --password P',
    options: { email: { type: 'string' }, password: { type: 'string' } },
    async run(config, values) {
      required(values, ['email', 'password']);
      const ctx = await openCliContext(config);
      try {
        const found = await ctx.services.users.repo.findForSignIn(String(values.email).trim().toLowerCase());
        if (!found) throw new UsageError(`no user with email ${values.email}`);
        await ctx.services.users.resetPassword(ctx.actor, found.id, String(values.password));
        // Also clears the sign-in throttle for this account, so the rescued admin can sign in now.
        await ctx.core.db.knex('auth_failures').where({ account: found.email }).delete();
        console.log(`password of ${found.email} changed; all their sessions were ended`);
      } finally {
        await ctx.close();
      }
    },
  },

  'license:install': {
    summary: 'Verify a license file (offline) and install it; audited. --check only verifies',
    usage: 'kehu license:install --file FILE [--check]  (or: kehu license:install FILE)',
    options: { file: { type: 'string' }, check: { type: 'boolean' } },
    positionals: true,
    async run(config, values, _warnings, runtime) {
      const file = values.file ?? values._0;
      if (typeof file !== 'string' || !file) throw new UsageError('name the license file: kehu license:install FILE');
      if (values._1 !== undefined || (values.file !== undefined && values._0 !== undefined)) throw new UsageError('name one license file');
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const ctx = await openCliContext(config, runtime);
      try {
        const { license } = ctx.services;
        if (values.check) {
          const checked = license.verify(text).payload;
          console.log(`valid license ${checked.license_id} for ${checked.licensee}: ${checked.edition}, ${checked.seats} seats, updates until ${checked.updates_until} (not installed)`);
          return;
        }
        const s = await license.installAs(ctx.actor, text);
        console.log(`installed license ${s.license_id} for ${s.licensee}: ${s.edition}, ${s.seats.used}/${s.seats.allowed} seats in use, updates until ${s.updates_until}`);
        for (const w of s.warnings) console.log(`warning: ${w.message}`);
      } finally {
        await ctx.close();
      }
    },
  },

  'license:status': {
    summary: 'Show the license in force: licensee, edition, seats used/allowed, updates-until, warnings',
    usage: 'kehu license:status [--json]',
    options: { json: { type: 'boolean' } },
    async run(config, values, _warnings, runtime) {
      const ctx = await openCliContext(config, runtime);
      try {
        const s = await ctx.services.license.status();
        if (values.json) {
          console.log(JSON.stringify(s, null, 2));
          return;
        }
        console.log(s.source === 'free' ? `free edition (no license installed): up to ${s.seats.allowed} active users` : `license ${s.license_id} for ${s.licensee}: ${s.edition}`);
        console.log(`seats: ${s.seats.used} used of ${s.seats.allowed}`);
        if (s.updates_until) console.log(`updates until: ${s.updates_until} (this version ${s.version} was released ${s.release_date})`);
        for (const w of s.warnings) console.log(`warning: ${w.message}`);
      } finally {
        await ctx.close();
      }
    },
  },

  backup: {
    summary: 'Write one verified backup archive (database, attachments, audit archives, config) while Kehu keeps serving',
    usage: 'kehu backup [--dir DIR]',
    options: { dir: { type: 'string' } },
    async run(config, values, _warnings, runtime) {
      const ctx = await openCliContext(config, runtime);
      try {
        if (typeof values.dir === 'string') ctx.core.config = { ...config, backup: { ...config.backup, dir: path.resolve(values.dir) } };
        const { result, pruned } = await ctx.services.backups.run('manual', ctx.actor);
        const rows = Object.values(result.manifest.tables).reduce((s, t) => s + t.rows, 0);
        console.log(`backup written and verified: ${result.path} (${result.size} bytes, ${rows} rows, ${Object.keys(result.manifest.files).length} files, ${result.durationMs} ms)`);
        for (const w of result.manifest.warnings) console.log(`warning: ${w}`);
        for (const f of pruned) console.log(`removed old backup ${f} (backup.keepCount / backup.keepDays)`);
      } finally {
        await ctx.close();
      }
    },
  },

  'backup:verify': {
    summary: 'Check a backup archive: structure, every table and file against its manifest',
    usage: 'kehu backup:verify FILE',
    options: {},
    positionals: true,
    async run(_config, values) {
      const file = values._0;
      if (typeof file !== 'string' || !file || values._1 !== undefined) throw new UsageError('name one backup file: kehu backup:verify FILE');
      const result = await verifyArchive(path.resolve(file));
      if (!result.ok) throw new UsageError(`${file} is damaged:\n  - ${result.problems.join('\n  - ')}`);
      const m = result.manifest!;
      const rows = Object.values(m.tables).reduce((s, t) => s + t.rows, 0);
      console.log(`${file} is intact: Kehu ${m.version}, ${m.dialect}, made ${m.created_at}, last migration ${m.last_migration}, ${Object.keys(m.tables).length} tables, ${rows} rows, ${Object.keys(m.files).length} files, audit head seq ${m.audit_head.seq}`);
    },
  },

  restore: {
    summary: 'Restore a backup archive into an empty database (--force: replace the current one after a safety backup)',
    usage: 'kehu restore FILE [--force]',
    options: { force: { type: 'boolean' } },
    positionals: true,
    async run(config, values) {
      const file = values._0;
      if (typeof file !== 'string' || !file || values._1 !== undefined) throw new UsageError('name one backup file: kehu restore FILE [--force]');
      const result = await restoreArchive({
        config,
        file: path.resolve(file),
        force: Boolean(values.force),
        backupDir: backupDirOf(config),
        source: { userId: null, ip: `cli@${os.hostname()}`, userAgent: `kehu-cli (${os.userInfo().username})`, requestId: null },
        log: (line) => console.log(line),
      });
      if (result.safetyBackup) console.log(`the previous database is in ${result.safetyBackup.path}`);
      console.log(`restored ${result.rows} rows and ${result.files} files from ${file} (Kehu ${result.manifest.version}, ${result.manifest.dialect}, ${result.manifest.created_at}) in ${result.durationMs} ms`);
      if (result.migrationsAfter.length) console.log(`then applied ${result.migrationsAfter.join(', ')}`);
      const config_ = Object.keys(result.manifest.files).find((f) => f.startsWith('config/'));
      if (config_) console.log(`the archive also holds ${config_}: compare it with your configuration (it was not overwritten)`);
      console.log('run "kehu audit:verify" to check the audit chain');
    },
  },

  'audit:verify': {
    summary: 'Seal pending audit entries and verify the whole hash chain, archives included',
    usage: 'kehu audit:verify',
    options: {},
    async run(config) {
      const ctx = await openCliContext(config);
      try {
        await sealAll(ctx.core.db.knex);
        const result = await ctx.services.auditLog.verify();
        if (!result.ok) {
          const p = result.problem!;
          throw new UsageError(`audit chain broken at ${p.id === null ? '' : `entry ${p.id} `}(seq ${p.seq})${p.file ? ` in ${p.file}` : ''}: ${p.reason}`);
        }
        console.log(`audit chain intact: ${result.checked} entries checked, head seq ${result.headSeq} ${result.headHash}`);
      } finally {
        await ctx.close();
      }
    },
  },

  'audit:rotate': {
    summary: 'Move sealed audit entries older than audit.retentionDays into archive files now',
    usage: 'kehu audit:rotate',
    options: {},
    async run(config) {
      const ctx = await openCliContext(config);
      try {
        const { pieces, deletedFiles } = await ctx.services.auditLog.rotate();
        for (const p of pieces) console.log(`archived seq ${p.fromSeq}-${p.throughSeq} (${p.entries} entries) to ${p.file}`);
        for (const f of deletedFiles) console.log(`deleted archive file ${f} (audit.deleteArchivesAfterDays)`);
        if (!pieces.length && !deletedFiles.length) console.log('nothing to rotate');
      } finally {
        await ctx.close();
      }
    },
  },

  'audit:erase': {
    summary: "Erase a record's personal values from the audit log, archives included (the chain still verifies)",
    usage: 'kehu audit:erase --record <type>:<id>',
    options: { record: { type: 'string' } },
    async run(config, values) {
      required(values, ['record']);
      const m = /^([a-z_]+):(\S+)$/.exec(String(values.record));
      if (!m) throw new UsageError('--record must be <type>:<id>, e.g. contacts:12');
      const ctx = await openCliContext(config);
      try {
        const result = await ctx.services.auditLog.erase(ctx.actor, m[1], m[2]);
        console.log(`erased the values of ${result.online} online and ${result.archived} archived entries about ${m[1]}:${m[2]}${result.files.length ? ` (rewrote ${result.files.join(', ')})` : ''}`);
      } finally {
        await ctx.close();
      }
    },
  },
};

export function helpText(): string {
  const lines = ['Usage: kehu <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(22)}${c.summary}`);
  lines.push('', 'Run "kehu <command> --help" for a command\'s options. Configuration: config/README.md.');
  return lines.join('\n');
}

export function parseCommand(name: string, argv: string[]) {
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run "kehu --help"`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: Boolean(command.positionals) });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (usage: ${command.usage})`);
  }
  const positional = Object.fromEntries(parsed.positionals.map((p, i) => [`_${i}`, p]));
  return { command, values: { ...positional, ...parsed.values } as Record<string, string | boolean | undefined> };
}

/** A one-line reason for a failure, without a stack trace. */
export function reasonOf(err: unknown): string {
  if (err instanceof ValidationError) return `invalid input: ${err.message}`;
  if (err instanceof AppError || err instanceof UsageError) return err.message;
  return (err as Error)?.message?.split('\n')[0] ?? String(err);
}
