// The license in force and what it allows. Verification is offline: the installed file is checked
// against the built-in vendor key (src/license/vendor-key.ts) every time it is read; nothing here
// opens a network connection. Without a valid license Kehu is the free edition (FREE_SEATS active
// users). A license only ever limits *activating* users: reading, exporting and everything already
// working go on whatever its state.
import type { KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import type { AuditSource } from '../../audit/writer';
import { AppError, ConflictError } from '../../lib/errors';
import { isLocale, t, type Locale } from '../../lib/i18n';
import { LicenseError, publicKeyFrom, updatesCover, verifyLicense, type LicenseFile } from '../../license/license-file';
import { VENDOR_PUBLIC_KEY_PEM } from '../../license/vendor-key';
import { RELEASE_DATE, VERSION } from '../../license/release';
import type { NotificationsService } from '../notifications';
import type { SettingsService } from '../settings';
import { createLicenseRepository, type LicenseRow } from './license.repository';

export const FREE_SEATS = 3;
export const FREE_EDITION = 'free';
/** How long an admin page's notice may be stale in this process (another process's install shows within this). */
const NOTICE_CACHE_MS = 60_000;

export interface LicenseServiceOptions {
  /** The key licenses must be signed with: the built-in vendor key unless a test passes its own to buildApp(). */
  publicKey?: KeyObject | string;
  /** A license in force while none is installed in the database (tests; a build shipped with one). Verified like any other. */
  bundledLicense?: LicenseFile | string | null;
  /** This version's release day (YYYY-MM-DD); package.json's releaseDate unless a test says otherwise. */
  releaseDate?: string;
}

export type WarningCode = 'updates_expired' | 'over_seats' | 'seats_full' | 'installed_invalid';

export interface LicenseWarning {
  code: WarningCode;
  message: string;
}

export interface LicenseStatus {
  /** free: no valid license; installed: from the database; bundled: given to the app at build. */
  source: 'free' | 'installed' | 'bundled';
  edition: string;
  licensee: string | null;
  license_id: string | null;
  issued: string | null;
  updates_until: string | null;
  features: string[];
  seats: { used: number; allowed: number };
  version: string;
  release_date: string;
  /** False when this version was released after the license's updates ended (it still works). */
  updates_cover_version: boolean;
  installed_at: string | null;
  installed_by: string | null;
  last_check: { at: string; ok: boolean; problems: LicenseWarning[] } | null;
  warnings: LicenseWarning[];
}

interface Effective {
  source: LicenseStatus['source'];
  file: LicenseFile | null;
  row: LicenseRow | null;
  /** The installed license failed verification (changed in the database, or signed by another key). */
  invalid: LicenseError | null;
}

/** A user cannot be created or activated: every seat is taken. */
export class SeatLimitError extends ConflictError {
  constructor(message: string) {
    super(message, undefined, 'license_seats');
  }
}

/** A license file refused on install; the code names why (license_tampered, license_wrong_product ...). */
export class LicenseRefusedError extends AppError {
  constructor(readonly problem: LicenseError['code'], message: string) {
    super(400, `license_${problem}`, message);
  }
}

function localeOf(actor: unknown): Locale {
  const l = (actor as { locale?: unknown } | null)?.locale;
  return isLocale(l) ? l : 'en';
}

export function createLicenseService(core: Core, deps: { notifications: NotificationsService; settings: SettingsService }, options: LicenseServiceOptions = {}) {
  const { knex } = core.db;
  const repo = createLicenseRepository(knex, core.db.rows);
  const publicKey = publicKeyFrom(options.publicKey ?? VENDOR_PUBLIC_KEY_PEM);
  const releaseDate = options.releaseDate ?? RELEASE_DATE;
  // A bundled license that does not verify is a programming error: refuse to start rather than run free silently.
  const bundled = options.bundledLicense ? verifyLicense(options.bundledLicense, publicKey) : null;
  // Verifying is cheap, but pages ask on every request: remember the verdict for the installed row's text.
  let verified: { rowId: number; text: string; file: LicenseFile | null; invalid: LicenseError | null } | null = null;
  let noticeCache: { at: number; warnings: LicenseWarning[] } | null = null;

  async function effective(db: Knex = knex): Promise<Effective> {
    const row = await repo.current(db);
    if (!row) return bundled ? { source: 'bundled', file: bundled, row: null, invalid: null } : { source: 'free', file: null, row: null, invalid: null };
    if (verified?.rowId !== row.id || verified.text !== row.file) {
      try {
        verified = { rowId: row.id, text: row.file, file: verifyLicense(row.file, publicKey), invalid: null };
      } catch (err) {
        if (!(err instanceof LicenseError)) throw err;
        verified = { rowId: row.id, text: row.file, file: null, invalid: err };
      }
    }
    if (verified.file) return { source: 'installed', file: verified.file, row, invalid: null };
    return { source: 'free', file: null, row, invalid: verified.invalid };
  }

  const seatsOf = (e: Effective) => e.file?.payload.seats ?? FREE_SEATS;

  function warningsOf(e: Effective, used: number): LicenseWarning[] {
    const out: LicenseWarning[] = [];
    const allowed = seatsOf(e);
    if (e.invalid) out.push({ code: 'installed_invalid', message: `the installed license is not valid (${e.invalid.message}); Kehu runs as the free edition for up to ${FREE_SEATS} active users until a valid license is installed` });
    if (e.file && !updatesCover(e.file.payload, releaseDate)) {
      out.push({ code: 'updates_expired', message: `this version (${VERSION}, released ${releaseDate}) is newer than the license's updates, which ended on ${e.file.payload.updates_until}; everything keeps working, but renew the updates or use a version released by then` });
    }
    if (used > allowed) out.push({ code: 'over_seats', message: `${used} users are active but the ${e.file ? 'license' : 'free edition'} allows ${allowed}; they keep working, but no user can be added or activated until some are deactivated or a larger license is installed` });
    else if (used === allowed) out.push({ code: 'seats_full', message: `all ${allowed} seats are in use; deactivate a user or install a larger license to add another` });
    return out;
  }

  async function status(db: Knex = knex): Promise<LicenseStatus> {
    const e = await effective(db);
    const used = await repo.activeUsers(db);
    const p = e.file?.payload;
    const last = await repo.lastCheck(db);
    return {
      source: e.source,
      edition: p?.edition ?? FREE_EDITION,
      licensee: p?.licensee ?? null,
      license_id: p?.license_id ?? null,
      issued: p?.issued ?? null,
      updates_until: p?.updates_until ?? null,
      features: p?.features ?? [],
      seats: { used, allowed: seatsOf(e) },
      version: VERSION,
      release_date: releaseDate,
      updates_cover_version: p ? updatesCover(p, releaseDate) : true,
      installed_at: e.source === 'installed' ? e.row!.installed_at : null,
      installed_by: e.source === 'installed' ? await repo.installerName(e.row!.installed_by, db) : null,
      last_check: last ? { at: last.at, ok: last.ok, problems: last.problems as LicenseWarning[] } : null,
      warnings: warningsOf(e, used),
    };
  }

  /** Verifies a license file for installing here: signed by the vendor, for Kehu, and covering this version. */
  function check(input: unknown): LicenseFile {
    try {
      const file = verifyLicense(input, publicKey);
      if (!updatesCover(file.payload, releaseDate)) {
        throw new LicenseError('updates_expired', `this license's updates ended on ${file.payload.updates_until}, before this version (${VERSION}) was released on ${releaseDate}; install it on a version released by then, or ask the vendor to renew the updates`);
      }
      return file;
    } catch (err) {
      if (err instanceof LicenseError) throw new LicenseRefusedError(err.code, err.message);
      throw err;
    }
  }

  /** Installs a license file (its text or parsed JSON) after verifying it; audited. */
  async function installAs(source: AuditSource, input: unknown): Promise<LicenseStatus> {
    const file = check(input);
    const p = file.payload;
    const text = typeof input === 'string' ? input.replace(/^\uFEFF/, '').trim() : JSON.stringify(input, null, 2);
    await knex.transaction(async (trx) => {
      const before = await effective(trx);
      await repo.insert(trx, { license_id: p.license_id, licensee: p.licensee, edition: p.edition, seats: p.seats, updates_until: p.updates_until, file: text, installed_at: core.clock.now().toISOString(), installed_by: source.userId });
      const summary = (f: LicenseFile | null) => ({ license_id: f?.payload.license_id ?? null, licensee: f?.payload.licensee ?? null, edition: f?.payload.edition ?? FREE_EDITION, seats: f ? f.payload.seats : FREE_SEATS, updates_until: f?.payload.updates_until ?? null });
      const b = summary(before.file);
      const a = summary(file);
      const changes = Object.fromEntries(Object.keys(a).map((k) => [k, [b[k as keyof typeof b], a[k as keyof typeof a]]])) as Record<string, [unknown, unknown]>;
      await core.audit.record(trx, source, { action: 'license', recordType: 'system', recordId: 'license', changes });
    });
    noticeCache = null;
    core.log.info({ licenseId: p.license_id, licensee: p.licensee, seats: p.seats, updatesUntil: p.updates_until }, 'license installed');
    return status();
  }

  return {
    repo,
    FREE_SEATS,
    releaseDate,
    status,
    /** Verifies without installing (the CLI's dry run, the page's preview). */
    verify: (input: unknown) => check(input),

    async get(actor: Actor): Promise<LicenseStatus> {
      requirePermission(actor, 'settings', 'read');
      return status();
    },

    async install(actor: Actor, input: unknown): Promise<LicenseStatus> {
      requirePermission(actor, 'settings', 'update');
      return installAs(actor, input);
    },

    /** The CLI's install: the caller (a system actor on the server's own machine) is trusted. */
    installAs,

    /**
     * Refuses to add one more active user when every seat is taken. Called inside the transaction
     * that creates or activates the user; on Postgres a transaction lock makes concurrent calls
     * wait for each other, so two admins cannot both take the last seat.
     */
    async assertSeatAvailable(db: Knex, actor?: unknown): Promise<void> {
      if (core.db.dialect === 'postgres') await db.raw('select pg_advisory_xact_lock(?)', [0x6b656875]);
      const e = await effective(db);
      const allowed = seatsOf(e);
      const used = await repo.activeUsers(db);
      if (used + 1 <= allowed) return;
      const locale = localeOf(actor);
      const message = e.file
        ? t(locale, 'license.seat_limit', { used, allowed })
        : t(locale, 'license.seat_limit_free', { used, allowed });
      throw new SeatLimitError(message);
    },

    /** What an administrator's pages show at the top: the problems that need them, from a short-lived cache. */
    async notices(): Promise<LicenseWarning[]> {
      const now = Date.now();
      if (noticeCache && now - noticeCache.at < NOTICE_CACHE_MS) return noticeCache.warnings;
      const s = await status();
      const warnings = s.warnings.filter((w) => w.code !== 'seats_full');
      noticeCache = { at: now, warnings };
      return warnings;
    },

    /**
     * The daily check: verifies the installed license again, counts seats and records the result;
     * administrators get a notification (the bell) when the problems differ from the last check's.
     */
    async runCheck(): Promise<LicenseStatus> {
      const before = await repo.lastCheck();
      const s = await status();
      const problems = s.warnings.filter((w) => w.code !== 'seats_full');
      const codes = (ws: Array<{ code: string }>) => ws.map((w) => w.code).sort().join(',');
      const companyLocale = (await deps.settings.company()).locale;
      await knex.transaction(async (trx) => {
        await repo.insertCheck(trx, { at: core.clock.now().toISOString(), ok: problems.length === 0, problems: JSON.stringify(problems) });
        if (problems.length && codes(problems) !== codes(before?.problems ?? [])) {
          for (const admin of await repo.activeAdmins(trx)) {
            const locale: Locale = isLocale(admin.locale) ? admin.locale : isLocale(companyLocale) ? companyLocale : 'zh-CN';
            await deps.notifications.notify(trx, admin.id, { kind: 'license', title: t(locale, 'license.check_notification') });
          }
        }
      });
      noticeCache = null;
      return { ...s, last_check: (await status()).last_check };
    },
  };
}
export type LicenseService = ReturnType<typeof createLicenseService>;
