// JSON schemas of the license API: the status every admin surface shows, and the install body.
const warning = { type: 'object', required: ['code', 'message'], additionalProperties: false, properties: { code: { type: 'string' }, message: { type: 'string' } } };

export const licenseStatusSchema = {
  type: 'object',
  required: ['source', 'edition', 'seats', 'version', 'release_date', 'updates_cover_version', 'warnings'],
  additionalProperties: false,
  properties: {
    source: { type: 'string', enum: ['free', 'installed', 'bundled'] },
    edition: { type: 'string' },
    licensee: { type: ['string', 'null'] },
    license_id: { type: ['string', 'null'] },
    issued: { type: ['string', 'null'] },
    updates_until: { type: ['string', 'null'] },
    features: { type: 'array', items: { type: 'string' } },
    seats: { type: 'object', required: ['used', 'allowed'], additionalProperties: false, properties: { used: { type: 'integer' }, allowed: { type: 'integer' } } },
    version: { type: 'string' },
    release_date: { type: 'string' },
    updates_cover_version: { type: 'boolean' },
    installed_at: { type: ['string', 'null'] },
    installed_by: { type: ['string', 'null'] },
    last_check: {
      anyOf: [
        { type: 'null' },
        { type: 'object', required: ['at', 'ok', 'problems'], additionalProperties: false, properties: { at: { type: 'string' }, ok: { type: 'boolean' }, problems: { type: 'array', items: warning } } },
      ],
    },
    warnings: { type: 'array', items: warning },
  },
} as const;

/** PUT /api/v1/license: the license file, as the JSON object the vendor sent or as its text. */
export const licenseInstallSchema = {
  type: 'object',
  required: ['license'],
  additionalProperties: false,
  properties: {
    license: {
      description: 'The license file: its JSON object ({ "payload": …, "signature": … }) or its text',
      anyOf: [
        { type: 'object', required: ['payload', 'signature'], properties: { payload: { type: 'object' }, signature: { type: 'string', maxLength: 200 } } },
        { type: 'string', minLength: 1, maxLength: 20_000 },
      ],
    },
  },
} as const;
