// Teams form a tree; a manager's "team" scope covers a team and every team under it.
export const teamSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    parent_id: { type: ['integer', 'null'] },
    path: { type: 'string', description: 'ids from the root, e.g. /1/4/' },
    member_count: { type: 'integer' },
    depth: { type: 'integer', description: 'levels below the top (0 = top level)' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

export const teamCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    parent_id: { type: ['integer', 'null'], minimum: 1 },
  },
} as const;

export const teamUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    parent_id: { type: ['integer', 'null'], minimum: 1 },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export interface Team {
  id: number;
  name: string;
  parent_id: number | null;
  path: string;
  member_count: number;
  depth: number;
  created_at: string;
  updated_at: string;
  version: number;
}
export interface TeamCreate {
  name: string;
  parent_id?: number | null;
}
export interface TeamUpdate {
  name?: string;
  parent_id?: number | null;
  version: number;
}
