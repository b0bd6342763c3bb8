// Attachments (quotes, photos of business cards, contracts) on companies, contacts and activities.
// Files live in <dataDir>/attachments by content hash (written to a temporary name, renamed when
// complete and within the size limit); a file is served only to users who may see one of the
// records it is attached to.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { Core } from '../../core';
import { scopeQuery, visibleIds, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { resolveOwner } from '../records/ownership';
import { linkParents, setParents } from '../records/links';
import { requireAction } from '../records/scoped';

export const ATTACHABLE = ['companies', 'contacts', 'activities'] as const;
export type Attachable = (typeof ATTACHABLE)[number];

export interface Attachment {
  id: number;
  file_name: string;
  mime: string;
  size: number;
  sha256: string;
  owner_id: number;
  created_at: string;
}

class TooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'file_too_large', `the file is larger than the limit of ${Math.round(limit / 1048576)} MB`);
  }
}

const COLUMNS = ['id', 'file_name', 'mime', 'size', 'sha256', 'owner_id', 'created_at'];

export function createAttachmentsService(core: Core) {
  const { knex } = core.db;
  const root = path.join(core.config.dataDir, 'attachments');
  const fileOf = (sha: string) => path.join(root, sha.slice(0, 2), sha);

  /** The parent must be visible to the actor (an activity through its own child scope). */
  async function checkParent(actor: Actor, type: Attachable, id: number): Promise<void> {
    const visible = type === 'activities'
      ? await scopeQuery(knex, knex('activities').where('activities.id', id).whereNull('activities.deleted_at'), actor, 'activities', 'read').first('activities.id')
      : await visibleIds(knex, actor, type).where(`${type}.id`, id).first();
    if (!visible) throw new NotFoundError(type.replace(/s$/, '').replace(/ie$/, 'y'));
  }

  /** Streams the upload to a temporary file while hashing and counting; refuses past the limit. */
  async function store(stream: Readable): Promise<{ sha: string; size: number }> {
    const limit = core.config.attachments.maxBytes;
    fs.mkdirSync(root, { recursive: true });
    const tmp = path.join(root, `.upload-${crypto.randomBytes(8).toString('hex')}`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new TooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, meter, fs.createWriteStream(tmp, { mode: 0o600 }));
      if ((stream as Readable & { truncated?: boolean }).truncated) throw new TooLargeError(limit);
      const sha = hash.digest('hex');
      const final = fileOf(sha);
      fs.mkdirSync(path.dirname(final), { recursive: true });
      fs.renameSync(tmp, final);
      return { sha, size };
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  return {
    maxBytes: () => core.config.attachments.maxBytes,

    async upload(actor: Actor, parent: { type: Attachable; id: number }, file: { filename: string; mimetype: string; stream: Readable }): Promise<Attachment> {
      // Attaching a file changes the record: it takes the right to change it (an activity's own scope too).
      await checkParent(actor, parent.type, parent.id);
      await requireAction(knex, actor, parent.type, 'update', parent.id);
      const fileName = path.basename(file.filename || 'file').slice(0, 255);
      if (!fileName.trim()) throw ValidationError.field('file', 'required', 'choose a file');
      const { sha, size } = await store(file.stream);
      if (size === 0) throw ValidationError.field('file', 'required', 'the file is empty');
      return knex.transaction(async (trx) => {
        const owner = await resolveOwner(trx, actor, 'companies', null);
        const now = core.clock.now().toISOString();
        const [row] = await trx('attachments')
          .insert({ file_name: fileName, mime: (file.mimetype || 'application/octet-stream').slice(0, 100), size, sha256: sha, ...owner, created_at: now, created_by: actor.userId, updated_at: now, updated_by: actor.userId, version: 1 })
          .returning('id');
        const id = Number(row.id ?? row);
        await linkParents(trx, { type: 'attachments', id }, [{ type: parent.type, id: parent.id }], now);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'attachments', recordId: id, changes: diff(null, { file_name: fileName, size, parent: `${parent.type}:${parent.id}` }) });
        return core.db.rows.one<Attachment>('attachments', await trx('attachments').where({ id }).first(COLUMNS));
      });
    },

    /** The attachment and the path of its file, if the actor may see a record it belongs to. */
    async open(actor: Actor, id: number): Promise<{ attachment: Attachment; file: string }> {
      const row = await knex('attachments').where({ id }).whereNull('deleted_at').first(COLUMNS);
      if (!row) throw new NotFoundError('attachment');
      const parents = await knex('record_links').where({ child_type: 'attachments', child_id: id }).select('parent_type', 'parent_id');
      let visible = false;
      for (const p of parents) {
        visible = await checkParent(actor, p.parent_type, p.parent_id).then(() => true, () => false);
        if (visible) break;
      }
      if (!visible) throw new NotFoundError('attachment');
      const file = fileOf(row.sha256);
      if (!fs.existsSync(file)) throw new NotFoundError('attachment file');
      return { attachment: core.db.rows.one<Attachment>('attachments', row), file };
    },

    async list(actor: Actor, parent: { type: Attachable; id: number }): Promise<Attachment[]> {
      await checkParent(actor, parent.type, parent.id);
      const rows = await knex('attachments')
        .join('record_links as l', (j) => j.on('l.child_id', 'attachments.id').andOnVal('l.child_type', 'attachments'))
        .where({ 'l.parent_type': parent.type, 'l.parent_id': parent.id })
        .whereNull('attachments.deleted_at')
        .orderBy('attachments.id', 'desc')
        .select(COLUMNS.map((c) => `attachments.${c}`));
      return core.db.rows.many<Attachment>('attachments', rows);
    },

    async remove(actor: Actor, id: number): Promise<void> {
      const { attachment } = await this.open(actor, id);
      // Removing a file changes the record it hangs off: whoever may change one of them may remove it.
      const parents = await knex('record_links').where({ child_type: 'attachments', child_id: id }).select('parent_type', 'parent_id');
      let mayChange = false;
      for (const p of parents) {
        mayChange = await requireAction(knex, actor, p.parent_type, 'update', p.parent_id).then(() => true, () => false);
        if (mayChange) break;
      }
      if (!mayChange) throw new ForbiddenError('only someone who may change the record may remove its files');
      await knex.transaction(async (trx) => {
        const now = core.clock.now().toISOString();
        await trx('attachments').where({ id }).update({ deleted_at: now, deleted_by: actor.userId, updated_at: now });
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'attachments', recordId: id, changes: diff({ file_name: attachment.file_name }, { file_name: null }) });
      });
    },
  };
}
export type AttachmentsService = ReturnType<typeof createAttachmentsService>;
