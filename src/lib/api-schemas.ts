// The API envelope as JSON schemas: { "data": … } for one record, { "data": [...], "next_cursor" }
// for lists, and the one error shape. Route schemas are built from these so the OpenAPI document
// describes exactly what is sent.

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'object', additionalProperties: { type: 'object', properties: { keyword: { type: 'string' }, message: { type: 'string' } }, additionalProperties: true } },
        current: {},
        requestId: { type: 'string' },
      },
    },
  },
} as const;

export function dataOf(schema: object): object {
  return { type: 'object', required: ['data'], properties: { data: schema } };
}

export function listOf(item: object): object {
  return { type: 'object', required: ['data', 'next_cursor'], properties: { data: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } } };
}

/** Responses for a route: its success schemas plus the error shape for every 4xx/5xx. */
export function responses(success: Record<number, object>): Record<string, object> {
  return { ...success, '4xx': errorSchema, '5xx': errorSchema };
}

export const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const;

export const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;
