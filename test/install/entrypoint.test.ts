// The container, short of a Docker engine (none runs here): the Dockerfile's runtime stage installs
// from the release archive, runs as a non-root user with one volume, a HEALTHCHECK on /readyz and
// docker/entrypoint.sh; and that entrypoint, run from the unpacked archive with the image's
// environment (data directory and port overridden, as `-v` and `-p` would), starts Kehu on this
// half's database (SQLite, then Postgres): ready, the setup page, a browser signs in, `kehu`
// commands run through it, the healthcheck script tells ready from down, SIGTERM exits 0, and a
// user created through it on the stopped volume signs in after a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createTestDatabase, testDialect } from '../support/databases';
import { ADMIN_EMAIL, ROOT, apiSignIn, completeSetup, freePort, pageSignIn, releaseArchive, run, startServer } from './support';

t.setTimeout(15 * 60_000);

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Stage {
  from: string;
  name: string | null;
  lines: string[];
}

/** The Dockerfile's stages, continuation lines joined, comments dropped. */
function stages(text: string): Stage[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of joined) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1], name: from[2] ?? null, lines: [] });
    else out[out.length - 1].lines.push(line);
  }
  return out;
}

const instructions = (stage: Stage, name: string) => stage.lines.filter((l) => l.toUpperCase().startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

/** ENV KEY=VALUE pairs of a stage. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of instructions(stage, 'ENV')) for (const m of line.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
  return env;
}

const all = stages(dockerfile);
const runtime = all[all.length - 1];

t.test('Dockerfile: built by npm run release, the runtime stage installs the archive; non-root, one volume, healthcheck, entrypoint', async (t) => {
  t.ok(all.length >= 2, 'multi-stage');
  const build = all[0];
  t.match(build.from, /^node:20-/, 'the build stage is Node 20');
  t.ok(instructions(build, 'RUN').some((r) => /npm ci\b/.test(r)), 'build: npm ci');
  t.ok(instructions(build, 'RUN').some((r) => /npm run release\b/.test(r)), 'build: npm run release');
  t.match(runtime.from, /^node:20-/, 'the runtime stage is Node 20, the release archive\'s');
  const copies = instructions(runtime, 'COPY');
  t.ok(copies.length > 0 && copies.every((c) => c.startsWith(`--from=${build.name} /release`)), 'the runtime stage copies nothing but the release archive');
  t.ok(instructions(runtime, 'RUN').some((r) => /tar -xzf \/tmp\/release\/kehu-\*-linux-x64-node20\.tar\.gz -C \/opt\/kehu/.test(r)), 'and unpacks it into /opt/kehu');
  const user = instructions(runtime, 'USER');
  t.equal(user.length, 1);
  t.not(user[0], 'root');
  t.not(user[0], '0');
  const volumes = instructions(runtime, 'VOLUME');
  t.same(volumes, ['["/var/lib/kehu"]'], 'one volume');
  t.equal(envOf(runtime).KEHU_DATA_DIR, '/var/lib/kehu', 'the data directory is the volume');
  t.match(instructions(runtime, 'HEALTHCHECK').join(' '), /CMD \["node", "\/opt\/kehu\/docker\/healthcheck\.js"\]/, 'HEALTHCHECK runs docker/healthcheck.js (GET /readyz)');
  t.same(instructions(runtime, 'ENTRYPOINT'), ['["/opt/kehu/docker/entrypoint.sh"]'], 'ENTRYPOINT: docker/entrypoint.sh from the archive');
  t.same(instructions(runtime, 'CMD'), ['["serve"]']);
  t.ok(fs.existsSync(path.join(ROOT, '.dockerignore')) && /^node_modules$/m.test(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')), '.dockerignore keeps the host\'s node_modules out');
});

t.test(`the entrypoint starts the unpacked archive on ${testDialect}, configured by environment`, async (t) => {
  const release = await releaseArchive();
  t.comment(`release archive: ${path.basename(release.file)}, ${release.how}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-image-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = path.join(dir, 'opt/kehu');
  fs.mkdirSync(app, { recursive: true });
  t.equal((await run('tar', ['-xzf', release.file, '-C', app, '--strip-components=1', '--no-same-owner'])).code, 0, 'unpacked as the Dockerfile does');
  const db = await createTestDatabase();
  t.teardown(() => db.drop());

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The image's environment, with the volume and the port where this machine has them.
  const env = { ...envOf(runtime), KEHU_DATA_DIR: db.dataDir, KEHU_PORT: String(port), KEHU_DATABASE_URL: db.databaseUrl };
  const entrypoint = path.join(app, 'docker/entrypoint.sh');

  const server = await startServer(entrypoint, [], { url, env, cwd: db.dataDir });
  t.teardown(() => server.stop('SIGKILL'));
  const cmdline = fs.readFileSync(`/proc/${server.proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  t.same(cmdline.slice(1), [path.join(fs.realpathSync(app), 'bin/kehu'), 'serve'], 'the entrypoint became `node <release>/bin/kehu serve` (exec: the same process, as the unit runs it)');
  t.same(await (await fetch(`${url}/readyz`)).json(), { status: 'ready', database: testDialect }, `/readyz on ${testDialect}`);

  const health = await run('node', [path.join(app, 'docker/healthcheck.js')], { env });
  t.equal(health.code, 0, 'the HEALTHCHECK script: healthy');
  const down = await run('node', [path.join(app, 'docker/healthcheck.js')], { env: { ...env, KEHU_PORT: String(await freePort()) } });
  t.equal(down.code, 1, 'the HEALTHCHECK script: unhealthy where nothing answers');

  // First run: the setup page, then a browser signs in.
  await completeSetup(url);
  const { home } = await pageSignIn(url);
  t.equal(home.status, 200, 'the administrator signs in through the sign-in page');
  t.match(home.text, /<html/);

  // `docker exec <container> kehu …`: commands through the entrypoint, beside the running server.
  const status = await run(entrypoint, ['migrate', '--status'], { env });
  t.equal(status.code, 0, `kehu migrate --status through the entrypoint${status.code ? `:\n${status.output}` : ''}`);
  t.match(status.stdout, /the database is up to date/);
  const other = await run(entrypoint, ['sh', '-c', 'echo container shell'], { env });
  t.equal(other.stdout.trim(), 'container shell', 'anything that is not a kehu command runs as given');
  const help = await run(entrypoint, ['--help'], { env });
  t.match(help.stdout, /serve/, '--help lists the commands');

  const stopped = await server.stop('SIGTERM');
  t.same(stopped, { code: 0, signal: null }, 'docker stop (SIGTERM) reaches Kehu itself: it finishes and exits 0');
  t.match(server.output(), /shutting down/);

  // `docker run --rm -v <volume> image user:create …` on the stopped container's volume, then start again.
  const created = await run(entrypoint, ['user:create', '--email', 'rep@example.com', '--password', 'Rep-pass-2026!x', '--name', 'Rep', '--role', 'sales'], { env });
  t.equal(created.code, 0, `kehu user:create through the entrypoint${created.code ? `:\n${created.output}` : ''}`);
  const again = await startServer(entrypoint, ['serve'], { url, env, cwd: db.dataDir });
  t.teardown(() => again.stop('SIGKILL'));
  t.ok(await apiSignIn(url, 'rep@example.com', 'Rep-pass-2026!x'), 'after a restart on the same volume the new user signs in');
  t.ok(await apiSignIn(url, ADMIN_EMAIL), 'and so does the administrator');
  t.equal((await again.stop()).code, 0);
});
