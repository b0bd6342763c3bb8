// Users: who signs in, with which role and teams. The password hash never leaves the repository.
import { LOCALES } from '../../lib/i18n';
import type { ListSpec } from '../../lib/listing';

export const userSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    name: { type: 'string' },
    locale: { type: ['string', 'null'] },
    role: { type: 'string' },
    team_ids: { type: 'array', items: { type: 'integer' } },
    primary_team_id: { type: ['integer', 'null'] },
    active: { type: 'boolean' },
    has_password: { type: 'boolean' },
    last_sign_in_at: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

const email = { type: 'string', format: 'email', maxLength: 254 } as const;
const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
const locale = { type: ['string', 'null'], enum: [...LOCALES, null] } as const;
const teamIds = { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 50, uniqueItems: true } as const;

export const userCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'role'],
  properties: {
    email,
    name,
    role: { type: 'string', minLength: 1, maxLength: 50 },
    team_ids: teamIds,
    primary_team_id: { type: ['integer', 'null'], minimum: 1 },
    locale,
    password: { type: 'string', maxLength: 256, description: 'Optional: without it, send the user an invitation link.' },
  },
} as const;

export const userUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: {
    email,
    name,
    role: { type: 'string', minLength: 1, maxLength: 50 },
    team_ids: teamIds,
    primary_team_id: { type: ['integer', 'null'], minimum: 1 },
    locale,
    active: { type: 'boolean' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export const profileUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name, locale },
} as const;

export const passwordLinkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['purpose'],
  properties: { purpose: { type: 'string', enum: ['invite', 'reset'] } },
} as const;

export interface User {
  id: number;
  email: string;
  name: string;
  locale: string | null;
  role: string;
  team_ids: number[];
  primary_team_id: number | null;
  active: boolean;
  has_password: boolean;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface UserCreate {
  email: string;
  name: string;
  role: string;
  team_ids?: number[];
  primary_team_id?: number | null;
  locale?: string | null;
  password?: string;
}

export interface UserUpdate extends Partial<Omit<UserCreate, 'password'>> {
  active?: boolean;
  version: number;
}

export const usersListSpec: ListSpec = {
  table: 'users',
  defaultSort: 'name',
  sorts: {
    name: { column: 'users.name_sort' },
    email: { column: 'users.email' },
    created_at: { column: 'users.created_at' },
    last_sign_in_at: { column: 'users.last_sign_in_at', nullable: true },
  },
  filters: {
    active: { column: 'users.active', type: 'boolean' },
    role: { column: 'roles.key', type: 'string', ops: ['eq', 'in'] },
    created_at: { column: 'users.created_at', type: 'time' },
    email: { column: 'users.email', type: 'string' },
  },
};
