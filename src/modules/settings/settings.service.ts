// Company settings (name, time zone, currency, default language). Read on every page, so kept in
// memory for a few seconds; a change reaches other processes within that time.
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { requirePermission } from '../../access/scope';
import { diff } from '../../audit/writer';
import { validate } from '../../lib/validate';
import { ValidationError } from '../../lib/errors';
import { isTimeZone } from '../../lib/i18n';
import { createSettingsRepository } from './settings.repository';
import { companySettingsPatchSchema, DEFAULT_COMPANY, DEFAULT_GRADES, gradeRulesSchema, type CompanySettings, type GradeRules } from './settings.schemas';

const CACHE_MS = 5000;

export function checkTimeZone(tz: string): void {
  if (!isTimeZone(tz)) throw ValidationError.field('timezone', 'timezone', 'must be an IANA time zone such as Asia/Shanghai');
}

export function createSettingsService(core: Core) {
  const repo = createSettingsRepository(core.db.knex, core.db.rows);
  let cache: { value: CompanySettings; at: number } | undefined;
  let gradesCache: { value: GradeRules; at: number } | undefined;

  async function company(): Promise<CompanySettings> {
    const now = Date.now();
    if (cache && now - cache.at < CACHE_MS) return cache.value;
    const stored = await repo.get<Partial<CompanySettings>>('company');
    const value = { ...DEFAULT_COMPANY, ...stored };
    cache = { value, at: now };
    return value;
  }

  return {
    repo,
    company,
    async grades(): Promise<GradeRules> {
      const now = Date.now();
      if (gradesCache && now - gradesCache.at < CACHE_MS) return gradesCache.value;
      const value = { ...DEFAULT_GRADES, ...(await repo.get<Partial<GradeRules>>('grades')) };
      gradesCache = { value, at: now };
      return value;
    },
    async updateGrades(actor: Actor, rules: GradeRules): Promise<GradeRules> {
      requirePermission(actor, 'settings', 'update');
      validate(gradeRulesSchema, rules);
      return core.db.knex.transaction(async (trx) => {
        const before = { ...DEFAULT_GRADES, ...(await repo.get<Partial<GradeRules>>('grades', trx)) };
        await repo.set(trx, 'grades', rules, core.clock.now().toISOString(), actor.userId);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'settings', recordId: 'grades', changes: diff(before, rules) });
        return rules;
      }).finally(() => {
        gradesCache = undefined;
      });
    },
    forgetCache(): void {
      cache = undefined;
      gradesCache = undefined;
    },
    async updateCompany(actor: Actor, patch: Partial<CompanySettings>): Promise<CompanySettings> {
      requirePermission(actor, 'settings', 'update');
      validate(companySettingsPatchSchema, patch);
      if (patch.timezone) checkTimeZone(patch.timezone);
      const next = await core.db.knex.transaction(async (trx) => {
        const before = { ...DEFAULT_COMPANY, ...(await repo.get<Partial<CompanySettings>>('company', trx)) };
        const after = { ...before, ...patch };
        const at = core.clock.now().toISOString();
        await repo.set(trx, 'company', after, at, actor.userId);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'settings', recordId: 'company', changes: diff(before, after) });
        return after;
      });
      cache = undefined;
      return next;
    },
  };
}
export type SettingsService = ReturnType<typeof createSettingsService>;
