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

/** How often a customer of each grade should be contacted, and the written rule for the grade. */
export const gradeRulesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['A', 'B', 'C'],
  properties: Object.fromEntries(
    ['A', 'B', 'C'].map((g) => [g, { type: 'object', additionalProperties: false, required: ['days', 'rule'], properties: { days: { type: 'integer', minimum: 1, maximum: 3650 }, rule: { type: 'string', maxLength: 1000 } } }]),
  ),
} as const;

export type GradeRules = Record<'A' | 'B' | 'C', { days: number; rule: string }>;

export const DEFAULT_GRADES: GradeRules = {
  A: { days: 7, rule: '' },
  B: { days: 30, rule: '' },
  C: { days: 90, rule: '' },
};
