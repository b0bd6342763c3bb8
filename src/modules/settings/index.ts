export { createSettingsService, checkTimeZone, type SettingsService } from './settings.service';
export { DEFAULT_COMPANY, DEFAULT_GRADES, CURRENCIES, gradeRulesSchema, type CompanySettings, type GradeRules } from './settings.schemas';
