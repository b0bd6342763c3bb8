// The contract between the bench data framework (generate.ts) and each table generator: what a
// generator declares (tables, dependencies), what it receives (seeded stream, scale, references
// published by the generators it depends on) and what it returns (rows, loaded by the framework).
import type { Knex } from 'knex';
import type { Core } from '../../../src/core';
import type { Services } from '../../../src/services';
import type { Dialect } from '../../../src/db/database';
import type { BuiltinRoleKey } from '../../../src/access/catalog';
import type { Rng } from './rng';
import type { CompanyName } from './common';

/** A row as the generator builds it: column -> value (booleans and JSON text are fine on both databases). */
export type Row = Record<string, string | number | boolean | null>;

export interface GeneratedTable {
  table: string;
  /** Every row has the same keys (the framework takes the columns from the first row). */
  rows: Row[];
}

/**
 * How much to generate. `users` is always set; every other key is optional and named after what it
 * sizes (`--companies 50000` on the command line becomes scale.companies). A generator derives a
 * default from `users` when its own key is absent.
 */
export interface BenchScale {
  users: number;
  [name: string]: number;
}

export type RoleKey = BuiltinRoleKey;

export interface TeamRef {
  id: number;
  name: string;
  path: string;
  parentId: number | null;
  kind: 'company' | 'office' | 'support' | 'finance' | 'region' | 'sales';
  region: string | null;
  city: string | null;
}

export interface UserRef {
  id: number;
  email: string;
  name: string;
  role: RoleKey;
  teamIds: number[];
  primaryTeamId: number | null;
  active: boolean;
  hasPassword: boolean;
  locale: string | null;
  createdAt: string;
}

/**
 * What generators publish for the ones that depend on them. A new generator adds its key here
 * (e.g. `companies?: CompanyRef[]`) and fills it in generate().
 */
export interface BenchRefs {
  company?: CompanyName & { short: string };
  teams?: TeamRef[];
  users?: UserRef[];
  /** Customer companies, column-wise by id - 1 (ids are 1..count); team 0 means none. */
  companies?: { count: number; owner: Int32Array; team: Int32Array; createdMs: Float64Array; deleted: Uint8Array; names: string[]; shortNames: Array<string | null> };
  /** Contacts, column-wise by id - 1; company 0 means none. */
  contacts?: { count: number; company: Int32Array; owner: Int32Array; team: Int32Array; createdMs: Float64Array; deleted: Uint8Array; names: string[]; mobiles: Array<string | null> };
  /** Deals, column-wise by id - 1 (the deals generator); company 0 means none, contact is the main one. */
  deals?: { count: number; owner: Int32Array; team: Int32Array; company: Int32Array; contact: Int32Array; createdMs: Float64Array; deleted: Uint8Array; open: Uint8Array; pipeline: Int32Array };
  /** What scenarios need to build realistic requests (filled by the customer generators). */
  samples?: BenchSamples;
}

/** Sample values for scenarios: ids and terms that exist in the generated data. */
export interface BenchSamples {
  /** Companies with the most activities (~2,000 each at full size). */
  busyCompanies?: number[];
  /** Random companies and contacts (ids). */
  companies?: number[];
  contacts?: Array<{ id: number; companyId: number | null; ownerId: number }>;
  /** Search terms that exist: two/three-character Chinese, names, phone last 4 digits. */
  searchTerms?: Array<{ q: string; kind: string }>;
  /** Owners (user ids) with the most contacts, most first. */
  topOwners?: number[];
  /** The sales pipeline (deals generator): pipelines, the reps with the most deals, managers' sales teams. */
  pipeline?: {
    defaultPipelineId: number;
    renewalsPipelineId: number | null;
    /** [sales rep id, live deals in the default pipeline], most first. */
    topDealOwners: Array<[number, number]>;
    /** Active managers with a password: the sales teams in their scope, [team id, live deals], most first. */
    managerTeams: Array<{ managerId: number; teams: Array<[number, number]> }>;
  };
}

export interface GenContext {
  seed: number;
  /** A stream of its own for this generator (derived from the seed and the generator's name). */
  rng: Rng;
  scale: BenchScale;
  /** The reference "now" of the data set (fixed by default, so the data is reproducible). */
  now: Date;
  dialect: Dialect;
  knex: Knex;
  /** Built-in role ids, as the product created them (roles.ensureBuiltins()). */
  roleIds: Record<RoleKey, number>;
  /** The one bench password and its hash (hashed once for every user). */
  password: string;
  passwordHash: string;
  refs: BenchRefs;
  core: Core;
  services: Services;
  log(line: string): void;
}

export interface TableGenerator {
  /** Unique; also the label its random stream is derived from. */
  name: string;
  summary: string;
  /** Tables it fills through generate() (loaded by the framework, in dependency order). */
  tables: string[];
  /** Names of generators whose rows and refs it needs. */
  dependsOn: string[];
  /** Scale keys it reads besides `users` (each becomes a `--<key> N` option of bench:data). */
  scaleKeys?: string[];
  generate(ctx: GenContext): GeneratedTable[] | Promise<GeneratedTable[]>;
  /** Runs after its rows are loaded: for rows that must go through product code (settings, setup). */
  afterLoad?(ctx: GenContext): Promise<void>;
}
