// A recorded verification (the nightly job and `kehu audit:verify`): walks the whole chain, keeps
// the outcome for the admin pages and, when the chain is whole, moves the head recorded outside
// the database forward, so a later cut of the newest entries is caught.
import type { Knex } from 'knex';
import type { Core } from '../core';
import { archiveDir, writeHeadFile } from './archive';
import { verifyChain, type VerifyResult } from './verify';

export interface VerificationRecord {
  at: string;
  ok: boolean;
  checked: number;
  head_seq: number;
  head_hash: string;
  problem_seq: number | null;
  problem_id: number | null;
  problem_file: string | null;
  reason: string | null;
  duration_ms: number;
}

export async function runVerification(core: Core): Promise<VerifyResult> {
  const started = Date.now();
  const dir = archiveDir(core.config.dataDir);
  const result = await verifyChain(core.db.knex, { archiveDir: dir });
  const at = core.clock.now().toISOString();
  await core.db.knex('audit_verifications').insert({
    at, ok: result.ok, checked: result.checked, head_seq: result.headSeq, head_hash: result.headHash,
    problem_seq: result.problem?.seq ?? null, problem_id: result.problem?.id ?? null, problem_file: result.problem?.file ?? null,
    reason: result.problem?.reason ?? null, duration_ms: Date.now() - started,
  });
  if (result.ok && result.headSeq > 0) writeHeadFile(dir, { seq: result.headSeq, hash: result.headHash, at });
  return result;
}

export async function lastVerification(knex: Knex): Promise<VerificationRecord | null> {
  const row = await knex('audit_verifications').orderBy('id', 'desc').first();
  if (!row) return null;
  return {
    ...row, ok: Boolean(row.ok), checked: Number(row.checked), head_seq: Number(row.head_seq),
    problem_seq: row.problem_seq === null ? null : Number(row.problem_seq), problem_id: row.problem_id === null ? null : Number(row.problem_id),
  };
}
