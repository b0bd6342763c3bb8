// The first-run form: the company and its first administrator.
import { companySettingsSchema } from '../settings/settings.schemas';

export const setupSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['company_name', 'timezone', 'currency', 'locale', 'admin_name', 'admin_email', 'admin_password'],
  properties: {
    company_name: companySettingsSchema.properties.name,
    timezone: companySettingsSchema.properties.timezone,
    currency: companySettingsSchema.properties.currency,
    locale: companySettingsSchema.properties.locale,
    admin_name: { type: 'string', minLength: 1, maxLength: 100 },
    admin_email: { type: 'string', format: 'email', maxLength: 254 },
    admin_password: { type: 'string', maxLength: 256 },
  },
} as const;

export interface SetupInput {
  company_name: string;
  timezone: string;
  currency: string;
  locale: string;
  admin_name: string;
  admin_email: string;
  admin_password: string;
}
