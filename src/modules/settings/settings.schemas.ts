// Company settings: what the setup page asks and admins may change later.
import { LOCALES } from '../../lib/i18n';

export const CURRENCIES = ['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'GBP', 'JPY', 'SGD'] as const;

export const companySettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'timezone', 'currency', 'locale'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Shanghai' },
    currency: { type: 'string', enum: CURRENCIES },
    locale: { type: 'string', enum: LOCALES },
  },
} as const;

export const companySettingsPatchSchema = { ...companySettingsSchema, required: [], minProperties: 1 } as const;

export interface CompanySettings {
  name: string;
  timezone: string;
  currency: (typeof CURRENCIES)[number];
  locale: (typeof LOCALES)[number];
}

export const DEFAULT_COMPANY: CompanySettings = { name: 'Kehu', timezone: 'Asia/Shanghai', currency: 'CNY', locale: 'zh-CN' };
