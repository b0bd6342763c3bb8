// Users: created by an admin (with a password or an invitation link), by the setup page or the
// CLI; changed by admins; each user changes their own name, language and password elsewhere
// (auth). Deactivation and password resets revoke every session at once.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { checkPasswordPolicy, hashPassword } from '../../lib/passwords';
import { sortKey } from '../../lib/text';
import { DAY, HOUR } from '../../lib/time';
import { validate } from '../../lib/validate';
import type { ListQuery } from '../../lib/listing';
import type { RolesService } from '../roles';
import type { SessionsService, RequestSource } from '../sessions';
import type { TeamsService } from '../teams';
import { createUsersRepository } from './users.repository';
import { passwordLinkSchema, profileUpdateSchema, userCreateSchema, userUpdateSchema, type User, type UserCreate, type UserUpdate } from './users.schemas';

const LINK_TTL = { invite: 7 * DAY, reset: 24 * HOUR } as const;
type LinkPurpose = keyof typeof LINK_TTL;

/** Audited fields of a user: what a diff shows. */
function audited(u: Partial<User>): Record<string, unknown> {
  const { email, name, locale, role, team_ids, primary_team_id, active } = u;
  return { email, name, locale, role, team_ids, primary_team_id, active };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A unique index refused a row: a concurrent request got past our own check first (pg 23505, SQLite). */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function emailTakenError(err: unknown): unknown {
  return isUniqueViolation(err) ? ValidationError.field('email', 'unique', 'is already used by another user') : err;
}

function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** The license's seat count: refuses one more active user when every seat is taken (modules/license). */
interface SeatGuard {
  assertSeatAvailable(db: Knex, actor?: unknown): Promise<void>;
}

export function createUsersService(core: Core, deps: { roles: RolesService; teams: TeamsService; sessions: SessionsService; license?: SeatGuard }) {
  const { knex } = core.db;
  const repo = createUsersRepository(knex, core.db.rows);

  async function load(db: Knex, id: number): Promise<User> {
    const user = await repo.findById(id, db);
    if (!user) throw new NotFoundError('user');
    return user;
  }

  /** Refuses a change that would leave no active administrator (nobody could manage the install). */
  async function keepAnAdmin(db: Knex, changedUserId: number): Promise<void> {
    const admins = await db('users').join('roles', 'roles.id', 'users.role_id').where({ 'roles.key': 'admin', 'users.active': true }).whereNot('users.id', changedUserId).count({ n: '*' }).first();
    if (Number(admins?.n ?? 0) === 0) throw new ConflictError('this is the last active administrator; make someone else an administrator first');
  }

  async function teamsFor(db: Knex, input: { team_ids?: number[]; primary_team_id?: number | null }, current?: User) {
    const teamIds = input.team_ids !== undefined ? await deps.teams.checkIds(db, input.team_ids) : (current?.team_ids ?? []);
    let primary = input.primary_team_id !== undefined ? input.primary_team_id : (current?.primary_team_id ?? null);
    if (primary !== null && !teamIds.includes(primary)) {
      if (input.primary_team_id !== undefined && input.primary_team_id !== null) throw ValidationError.field('primary_team_id', 'member', 'must be one of the user\'s teams');
      primary = null;
    }
    if (primary === null && teamIds.length) primary = teamIds[0];
    return { teamIds, primary };
  }

  /** Validates a new user and hashes their password, before any transaction is opened (hashing is slow). */
  async function prepareUser(input: UserCreate): Promise<{ input: UserCreate; passwordHash: string | null }> {
    validate(userCreateSchema, input);
    if (input.password === undefined) return { input, passwordHash: null };
    checkPasswordPolicy(input.password, { email: normalizeEmail(input.email) });
    return { input, passwordHash: await hashPassword(input.password) };
  }

  /** Creation without a permission check: for setup and the CLI (callers check), and for create(). */
  async function insertUser(db: Knex, actor: Pick<Actor, 'userId' | 'ip' | 'userAgent' | 'requestId'>, prepared: { input: UserCreate; passwordHash: string | null }): Promise<User> {
    const { input, passwordHash } = prepared;
    const email = normalizeEmail(input.email);
    if (await repo.emailTaken(email, null, db)) throw ValidationError.field('email', 'unique', 'is already used by another user');
    const roleId = await deps.roles.idForKey(input.role, db);
    const { teamIds, primary } = await teamsFor(db, input);
    await deps.license?.assertSeatAvailable(db, actor);
    const now = core.clock.now().toISOString();
    const id = await repo.insert(db, {
      email,
      name: input.name.trim(),
      name_sort: sortKey(input.name, { surname: true }),
      password_hash: passwordHash,
      password_changed_at: passwordHash ? now : null,
      locale: input.locale ?? null,
      role_id: roleId,
      primary_team_id: primary,
      active: true,
      created_at: now,
      updated_at: now,
      created_by: actor.userId,
      updated_by: actor.userId,
      version: 1,
    }).catch((err) => {
      throw emailTakenError(err);
    });
    await repo.setTeams(db, id, teamIds);
    const user = await load(db, id);
    await core.audit.record(db, actor, { action: 'create', recordType: 'users', recordId: id, changes: diff(null, audited(user)) });
    return user;
  }

  /** Checks the policy and hashes, outside any transaction. */
  async function preparePassword(password: string, email: string, field = 'password'): Promise<string> {
    checkPasswordPolicy(password, { email }, field);
    return hashPassword(password);
  }

  async function setPasswordIn(db: Knex, actor: Pick<Actor, 'userId' | 'ip' | 'userAgent' | 'requestId'>, user: User, passwordHash: string, action: string): Promise<void> {
    const now = core.clock.now().toISOString();
    await repo.update(db, user.id, { password_hash: passwordHash, password_changed_at: now, updated_at: now, updated_by: actor.userId, version: user.version + 1 });
    await deps.sessions.revokeAllForUser(db, user.id, 'password_changed');
    await core.audit.record(db, actor, { action, recordType: 'users', recordId: user.id });
  }

  return {
    repo,
    load: (id: number, db: Knex = knex) => load(db, id),
    count: (db: Knex = knex) => repo.count(db),
    prepareUser,
    insertUser,
    preparePassword,
    setPasswordIn,

    async list(actor: Actor, query: ListQuery) {
      requirePermission(actor, 'users', 'read');
      return repo.list(query);
    },

    /** Id, name and active flag of up to `limit` users in name order (pick lists, owner names on pages): one narrow query. */
    async choices(actor: Actor, limit = 1000): Promise<Array<{ id: number; name: string; active: boolean }>> {
      requirePermission(actor, 'users', 'read');
      const rows = await core.db.read.built<{ id: number | string; name: string; active: boolean | number }>(knex('users').select('id', 'name', 'active').orderBy('name_sort').orderBy('id').limit(limit));
      return rows.map((r: { id: number | string; name: string; active: boolean | number }) => ({ id: Number(r.id), name: r.name, active: Boolean(r.active) }));
    },

    async get(actor: Actor, id: number): Promise<User> {
      requirePermission(actor, 'users', 'read');
      return load(knex, id);
    },

    async create(actor: Actor, input: UserCreate): Promise<User> {
      requirePermission(actor, 'users', 'create');
      const prepared = await prepareUser(input);
      return knex.transaction((trx) => insertUser(trx, actor, prepared));
    },

    async update(actor: Actor, id: number, patch: UserUpdate): Promise<User> {
      requirePermission(actor, 'users', 'update');
      validate(userUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await load(trx, id);
        if (before.version !== patch.version) throw new ConflictError('the user was changed by someone else', before);
        const now = core.clock.now().toISOString();
        const changes: Record<string, unknown> = { updated_at: now, updated_by: actor.userId, version: before.version + 1 };
        if (patch.email !== undefined) {
          const email = normalizeEmail(patch.email);
          if (await repo.emailTaken(email, id, trx)) throw ValidationError.field('email', 'unique', 'is already used by another user');
          changes.email = email;
        }
        if (patch.name !== undefined) Object.assign(changes, { name: patch.name.trim(), name_sort: sortKey(patch.name, { surname: true }) });
        if (patch.locale !== undefined) changes.locale = patch.locale;
        if (patch.role !== undefined && patch.role !== before.role) {
          changes.role_id = await deps.roles.idForKey(patch.role, trx);
          if (before.role === 'admin') await keepAnAdmin(trx, id);
        }
        if (patch.active !== undefined && patch.active !== before.active) {
          changes.active = patch.active;
          if (patch.active) await deps.license?.assertSeatAvailable(trx, actor);
          if (!patch.active) {
            if (before.role === 'admin') await keepAnAdmin(trx, id);
            await deps.sessions.revokeAllForUser(trx, id, 'deactivated');
          }
        }
        if (patch.team_ids !== undefined || patch.primary_team_id !== undefined) {
          const { teamIds, primary } = await teamsFor(trx, patch, before);
          changes.primary_team_id = primary;
          await repo.setTeams(trx, id, teamIds);
        }
        // Guarded by the version read above: of two concurrent changes based on one version, the
        // second gets a 409 instead of silently overwriting the first (Postgres runs them in parallel).
        const updated = await repo.update(trx, id, changes, before.version).catch((err) => {
          throw emailTakenError(err);
        });
        if (updated !== 1) throw new ConflictError('the user was changed by someone else', await load(trx, id));
        const after = await load(trx, id);
        const action = patch.active === false && before.active ? 'deactivate' : patch.active === true && !before.active ? 'activate' : 'update';
        await core.audit.record(trx, actor, { action, recordType: 'users', recordId: id, changes: diff(audited(before), audited(after)) });
        return after;
      });
    },

    /** Sets a user's password directly (admin reset, CLI rescue); signs them out everywhere. */
    async resetPassword(actor: Actor, id: number, password: string): Promise<void> {
      requirePermission(actor, 'users', 'update');
      const passwordHash = await preparePassword(password, (await load(knex, id)).email);
      await knex.transaction(async (trx) => setPasswordIn(trx, actor, await load(trx, id), passwordHash, 'password_reset'));
    },

    async updateProfile(actor: Actor, patch: { name?: string; locale?: string | null }): Promise<User> {
      validate(profileUpdateSchema, patch);
      if (actor.userId === null) throw new NotFoundError('user');
      const userId = actor.userId;
      return knex.transaction(async (trx) => {
        const before = await load(trx, userId);
        const now = core.clock.now().toISOString();
        const changes: Record<string, unknown> = { updated_at: now, updated_by: userId, version: before.version + 1 };
        if (patch.name !== undefined) Object.assign(changes, { name: patch.name.trim(), name_sort: sortKey(patch.name, { surname: true }) });
        if (patch.locale !== undefined) changes.locale = patch.locale;
        await repo.update(trx, userId, changes);
        const after = await load(trx, userId);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'users', recordId: userId, changes: diff(audited(before), audited(after)) });
        return after;
      });
    },

    /** A one-time link that lets the user choose a password (invitation or reset); only its hash is kept. */
    async createPasswordLink(actor: Actor, userId: number, input: { purpose: LinkPurpose }): Promise<{ url: string; expires_at: string }> {
      requirePermission(actor, 'users', 'update');
      validate(passwordLinkSchema, input);
      const token = crypto.randomBytes(32).toString('base64url');
      const now = core.clock.now();
      const expiresAt = new Date(now.getTime() + LINK_TTL[input.purpose]).toISOString();
      await knex.transaction(async (trx) => {
        const user = await load(trx, userId);
        if (!user.active) throw new ConflictError('the user is deactivated; activate them first');
        // A new link replaces any earlier unused one.
        await trx('password_links').where({ user_id: userId }).whereNull('used_at').update({ used_at: now.toISOString() });
        await trx('password_links').insert({ user_id: userId, purpose: input.purpose, token_hash: tokenHash(token), created_at: now.toISOString(), created_by: actor.userId, expires_at: expiresAt });
        await core.audit.record(trx, actor, { action: `password_link_${input.purpose}`, recordType: 'users', recordId: userId });
      });
      return { url: `${core.config.baseUrl.replace(/\/$/, '')}/password/${token}`, expires_at: expiresAt };
    },

    /** The user a valid, unused, unexpired link belongs to, or null. */
    async peekPasswordLink(token: string): Promise<{ user: User; purpose: LinkPurpose } | null> {
      const link = await knex('password_links').where({ token_hash: tokenHash(token) }).whereNull('used_at').andWhere('expires_at', '>', core.clock.now().toISOString()).first('user_id', 'purpose');
      if (!link) return null;
      const user = await repo.findById(link.user_id);
      return user && user.active ? { user, purpose: link.purpose } : null;
    },

    async usePasswordLink(token: string, password: string, source: RequestSource): Promise<User> {
      const peeked = await this.peekPasswordLink(token);
      if (!peeked) throw new NotFoundError('link');
      const passwordHash = await preparePassword(password, peeked.user.email);
      return knex.transaction(async (trx) => {
        const now = core.clock.now().toISOString();
        const link = await trx('password_links').where({ token_hash: tokenHash(token) }).whereNull('used_at').andWhere('expires_at', '>', now).first('id', 'user_id', 'purpose');
        if (!link) throw new NotFoundError('link');
        const user = await load(trx, link.user_id);
        if (!user.active) throw new NotFoundError('link');
        const used = await trx('password_links').where({ id: link.id }).whereNull('used_at').update({ used_at: now });
        if (used !== 1) throw new NotFoundError('link');
        await setPasswordIn(trx, { userId: user.id, ...source }, user, passwordHash, link.purpose === 'invite' ? 'invite_accepted' : 'password_reset');
        return load(trx, user.id);
      });
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
