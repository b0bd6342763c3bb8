// The chain's canonical text is written without JSON.stringify's general machinery: it must give
// exactly JSON.stringify's bytes (and so the same hashes) for every kind of string a column holds.
import crypto from 'node:crypto';
import t from 'tap';
import { entryHash, entryHashOfRow, type ChainFields } from '../../src/audit/chain';

const reference = (prev: string, e: ChainFields) =>
  crypto.createHash('sha256').update(`${prev}\n${JSON.stringify([e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes])}`).digest('hex');

t.test('entryHash equals SHA-256 of prev_hash, a newline and JSON.stringify of the 11 fields', async (t) => {
  const strings = ['plain', 'with "quote"', 'back\\slash', 'ctl\u0001\u001f\n\r\t\b\f', '中文 名字', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', '\u2028\u2029', '\u007f', '', '</script>'];
  let n = 0;
  for (const s of [...strings, null]) {
    for (const actor of [null, 0, 7, 2147483647]) {
      const e: ChainFields = {
        seq: 5, id: 9007199254740991, at: '2026-01-01T00:00:00.000Z', actor_id: actor, ip: s, user_agent: s, request_id: s,
        action: s ?? 'update', record_type: 'contacts', record_id: s, changes: s === null ? null : JSON.stringify({ [s]: [s, s] }),
      };
      const prev = 'a'.repeat(64);
      const expected = reference(prev, e);
      if (entryHash(prev, e) !== expected) t.fail(`differs for ${JSON.stringify(s)} / actor ${actor}`);
      if (entryHashOfRow(prev, [e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes, 'ignored', 'ignored']) !== expected) t.fail('the row form differs');
      n++;
    }
  }
  t.pass(`${n} entries hash as JSON.stringify would`);
});
