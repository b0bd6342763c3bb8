// kill -9 during a stream of writes, twenty times: every write the server acknowledged (201 with an
// id) is there after the restart, and the SQLite file passes PRAGMA integrity_check every time; at
// the end the audit chain (written in the same transactions) still verifies.
//
// The property is SQLite's (WAL, synchronous=FULL) and the server's (answer only after commit):
// the real work runs in the SQLite half. On Postgres the database is another process a kill -9 of
// Kehu cannot touch.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { createTestDatabase, testDialect } from '../support/databases';
import { startKehu, type KehuProcess } from '../support/launcher';
import { ROOT, api, apiSignIn, completeSetup } from './support';

const ROUNDS = 20;
const WRITERS = 4;

t.setTimeout(10 * 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (testDialect !== 'sqlite') {
  t.pass('kill -9 durability is the SQLite file\'s: the rounds run in the SQLite half');
} else {
  t.test(`kill -9 during writes, ${ROUNDS} rounds: no acknowledged write lost, integrity_check ok`, async (t) => {
    const db = await createTestDatabase('sqlite');
    t.teardown(() => db.drop());
    const env = { KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl, KEHU_LOG_LEVEL: 'info' };
    const file = db.databaseUrl.replace(/^sqlite:/, '');
    let kehu: KehuProcess | undefined;
    t.teardown(() => kehu?.stop('SIGKILL'));

    kehu = await startKehu(env, { timeoutMs: 90_000 });
    await completeSetup(kehu.url);
    const token = await apiSignIn(kehu.url);

    const acknowledged: number[] = [];
    let previousRound: number[] = [];
    const summary: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) kehu = await startKehu(env, { timeoutMs: 90_000 });
      const url = kehu.url;

      // The restarted server serves every write acknowledged before the last kill.
      const lost: number[] = [];
      for (let i = 0; i < previousRound.length; i += 16) {
        const got = await Promise.all(previousRound.slice(i, i + 16).map((id) => api(url, token, 'GET', `/companies/${id}`).then((r) => ({ id, status: r.status }))));
        lost.push(...got.filter((g) => g.status !== 200).map((g) => g.id));
      }
      if (lost.length) t.fail(`round ${round}: the restarted server lacks acknowledged companies ${lost.slice(0, 20).join(', ')}`);

      // A stream of creates from several writers; the kill comes at a random moment once writes are being acknowledged.
      const thisRound: number[] = [];
      let attempted = 0;
      let stop = false;
      const writer = async (w: number) => {
        for (let seq = 0; !stop; seq++) {
          attempted++;
          try {
            const res = await api(url, token, 'POST', '/companies', { name: `耐久测试 ${round}-${w}-${seq} 有限公司`, allow_duplicate: true });
            if (res.status === 201) thisRound.push(res.body.data.id);
            else if (!stop) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
          } catch (err) {
            if (!stop) throw err;
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      const deadline = Date.now() + 30_000;
      while (thisRound.length === 0 && Date.now() < deadline) await sleep(5);
      const delay = Math.floor(Math.random() * 1200);
      await sleep(delay);
      const exited = new Promise((resolve) => kehu!.proc.once('exit', resolve));
      kehu.proc.kill('SIGKILL');
      stop = true;
      await exited;
      await Promise.all(writers);
      t.ok(thisRound.length > 0, `round ${round}: ${thisRound.length} of ${attempted} creates acknowledged before kill -9 (${delay} ms into the stream)`);
      acknowledged.push(...thisRound);
      previousRound = thisRound;

      // The file as the killed process left it (opening it replays the WAL, as the next start does).
      const sqlite = new Database(file);
      try {
        const integrity = sqlite.pragma('integrity_check', { simple: true });
        t.equal(integrity, 'ok', `round ${round}: PRAGMA integrity_check`);
        const present = new Set((sqlite.prepare('select id from companies').all() as Array<{ id: number }>).map((r) => r.id));
        const missing = acknowledged.filter((id) => !present.has(id));
        t.same(missing, [], `round ${round}: all ${acknowledged.length} acknowledged companies so far are in the file`);
        summary.push(`${thisRound.length}/${attempted}`);
      } finally {
        sqlite.close();
      }
    }

    // A last start: the server still serves the last round's writes and the audit chain verifies.
    kehu = await startKehu(env, { timeoutMs: 90_000 });
    for (const id of previousRound) {
      const res = await api(kehu.url, token, 'GET', `/companies/${id}`);
      if (res.status !== 200) t.fail(`company ${id} of the last round is not served (${res.status})`);
    }
    t.equal(await kehu.stop(), 0, 'a clean stop at the end');
    const verify = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'audit:verify'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, KEHU_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      proc.stdout.on('data', (c) => (output += c));
      proc.stderr.on('data', (c) => (output += c));
      proc.on('exit', (code) => resolve({ code, output }));
    });
    t.equal(verify.code, 0, `kehu audit:verify after ${ROUNDS} kills: ${verify.output.trim().split('\n').pop()}`);
    t.comment(`acknowledged/attempted per round: ${summary.join(', ')}; ${acknowledged.length} acknowledged writes in all, none lost`);
  });
}
