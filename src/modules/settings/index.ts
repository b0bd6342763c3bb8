export { createSettingsService, checkTimeZone, type SettingsService } from './settings.service';
export { DEFAULT_COMPANY, CURRENCIES, type CompanySettings } from './settings.schemas';
