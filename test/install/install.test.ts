// The release archive and install.sh, with real processes: the archive holds what an offline server
// needs and nothing of development; install.sh refuses a wrong Node with the way to Node 20;
// installed into a temporary root it starts, the installed CLI creates the administrator, a browser
// signs in; installing again (the same build, then a newer one) keeps configuration and data,
// switches `current` and keeps the previous version; --rollback switches back; --uninstall keeps
// data, --uninstall --purge removes it; the systemd unit passes systemd-analyze verify.
//
// The installed Kehu runs on SQLite (what install.sh sets up), so the real work runs in the SQLite
// half of the suite; the Postgres half runs the archive against Postgres in entrypoint.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { testDialect } from '../support/databases';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, api, apiSignIn, freePort, pageSignIn, releaseArchive, run, startServer, type ReleaseArchive } from './support';

// The first test file to need the archive builds it (about a minute; cached per commit).
t.setTimeout(15 * 60_000);

const INSTALL = path.join(ROOT, 'install.sh');

if (testDialect !== 'sqlite') {
  t.pass('install.sh sets up SQLite: this file runs in the SQLite half (the archive on Postgres: entrypoint.test.ts)');
} else {
  let release: ReleaseArchive;
  t.before(async () => {
    release = await releaseArchive();
    t.comment(`release archive: ${path.basename(release.file)}, ${release.how}`);
  });

  const tmpRoot = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-install-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  t.test('the archive: the product, production dependencies and linux-x64 native modules, nothing of development', async (t) => {
    const list = await run('tar', ['-tzf', release.file]);
    t.equal(list.code, 0, 'tar lists it');
    const entries = new Set(list.stdout.split('\n').filter(Boolean).map((e) => e.replace(/\/$/, '')));
    const top = [...entries][0].split('/')[0];
    // The sources it was built from: the commit (a cached build of HEAD) or the working tree (CI's clean checkout).
    const fromGit = release.commit !== 'unknown';
    const pkg = JSON.parse(fromGit ? (await run('git', ['-C', ROOT, 'show', `${release.commit}:package.json`])).stdout : fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    t.equal(top, `kehu-${pkg.version}`, 'one top directory, kehu-<version>');
    t.equal(path.basename(release.file), `kehu-${pkg.version}-linux-x64-node20.tar.gz`);
    t.ok([...entries].every((e) => e === top || e.startsWith(`${top}/`)), 'nothing outside it');

    const manifest = JSON.parse((await run('tar', ['-xzOf', release.file, `${top}/RELEASE.json`])).stdout);
    t.match(manifest, { name: 'kehu', version: pkg.version, nodeMajor: 20, nodeAbi: Number(process.versions.modules), platform: 'linux-x64' }, 'RELEASE.json: version, Node 20 and its ABI, linux-x64');
    t.match(manifest.commit, /^[0-9a-f]{40}$/, 'the commit');
    if (!process.env.KEHU_TEST_RELEASE_ARCHIVE) t.equal(manifest.commit, release.commit, 'built from HEAD');
    t.ok(!Number.isNaN(Date.parse(manifest.builtAt)), `built at ${manifest.builtAt}`);

    for (const must of [
      'RELEASE.json', 'LICENSE', 'README.md', 'package.json', 'install.sh', 'bin/kehu', 'docker/entrypoint.sh', 'docker/healthcheck.js',
      'dist/src/main.js', 'dist/src/server.js', 'config/default.json', 'views/layouts/main.hbs', 'views/setup/setup.hbs', 'public/css/app.css',
      'public/js/app.js', 'locales/zh-CN.json', 'locales/en.json', 'docs/operations.md',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/@node-rs/argon2-linux-x64-gnu/argon2.linux-x64-gnu.node',
    ]) {
      t.ok(entries.has(`${top}/${must}`), must);
    }
    const migrations = (fromGit ? (await run('git', ['-C', ROOT, 'ls-tree', '--name-only', release.commit, 'migrations/'])).stdout.split('\n') : fs.readdirSync(path.join(ROOT, 'migrations')))
      .filter((f) => f.endsWith('.js'))
      .map((f) => path.basename(f));
    t.ok(migrations.length > 0 && migrations.every((m) => entries.has(`${top}/migrations/${m}`)), `all ${migrations.length} migrations`);
    const missing = Object.keys(pkg.dependencies).filter((d) => !entries.has(`${top}/node_modules/${d}/package.json`));
    t.same(missing, [], `every production dependency (${Object.keys(pkg.dependencies).length})`);
    const dev = Object.keys(pkg.devDependencies).filter((d) => entries.has(`${top}/node_modules/${d}`));
    t.same(dev, [], 'no dev dependency');
    const stray = [...entries].filter((e) => /^[^/]+\/(src|test|scripts|data|\.git)(\/|$)/.test(e) || (/\.(ts|map)$/.test(e) && !e.includes('/node_modules/')));
    t.same(stray, [], 'no sources, tests, data or source maps');
  });

  t.test('install.sh: a wrong Node is refused with the way to Node 20; --help', async (t) => {
    const root = tmpRoot();
    const fake = path.join(root, 'node18');
    fs.writeFileSync(fake, '#!/bin/sh\n[ "$1" = -p ] && echo 18.19.0\n', { mode: 0o755 });
    const r = await run('bash', [INSTALL, '--root', path.join(root, 'r'), '--no-systemd', '--node', fake, release.file]);
    t.equal(r.code, 1, 'exit 1');
    t.match(r.stderr, /needs Node\.js 20/);
    t.match(r.stderr, /Found: Node\.js 18\.19\.0/, 'it names what it found');
    t.match(r.stderr, /Debian 12 ships Node\.js 18/);
    t.match(r.stderr, /https:\/\/deb\.nodesource\.com\/node_20\.x nodistro main/, 'the NodeSource repository line');
    t.match(r.stderr, /apt-get update && apt-get install -y nodejs/);
    t.match(r.stderr, /https:\/\/nodejs\.org\/dist\/latest-v20\.x\//, 'the official binaries');
    t.match(r.stderr, /sha256sum -c/, 'with their checksum checked');
    t.match(r.stderr, /--node /, 'and how to name another node');
    t.notOk(fs.existsSync(path.join(root, 'r', 'opt')), 'nothing was installed');

    const help = await run('bash', [INSTALL, '--help']);
    t.equal(help.code, 0);
    for (const option of ['--prefix', '--data-dir', '--config-dir', '--root', '--no-systemd', '--uninstall', '--purge', '--rollback', '--port']) t.match(help.stdout, option);
    const bad = await run('bash', [INSTALL, '--frobnicate']);
    t.equal(bad.code, 1, 'an unknown option fails');
    t.match(bad.stderr, /unknown option --frobnicate/);
  });

  t.test('install into a temporary root, start, create the admin with the installed CLI, sign in; upgrade; rollback; uninstall', async (t) => {
    const root = tmpRoot();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const prefix = path.join(root, 'opt/kehu');
    const dataDir = path.join(root, 'var/lib/kehu');
    const envFile = path.join(root, 'etc/kehu/kehu.env');
    const kehu = path.join(prefix, 'bin/kehu');
    const install = (...args: string[]) => run('bash', [INSTALL, '--root', root, '--no-systemd', ...args], { timeoutMs: 120_000 });

    // 1. Install.
    const first = await install('--port', String(port), release.file);
    t.equal(first.code, 0, `install.sh exits 0${first.code ? `:\n${first.output}` : ''}`);
    t.match(first.stdout, new RegExp(`Open http://localhost:${port}\\b`), 'it prints the URL to open');
    t.match(first.stdout, `Start it with: ${kehu} serve`);
    const current = fs.readlinkSync(path.join(prefix, 'current'));
    t.match(current, /^releases\/\d+\.\d+\.\d+-\d{14}$/, `current -> ${current}`);
    t.ok(fs.existsSync(path.join(prefix, current, 'RELEASE.json')));
    t.equal(fs.statSync(dataDir).mode & 0o777, 0o700, 'the data directory is owner-only');
    t.equal(fs.statSync(envFile).mode & 0o777, 0o600, 'so is the settings file');
    const env = fs.readFileSync(envFile, 'utf8');
    t.match(env, `KEHU_PORT=${port}\n`);
    t.match(env, `KEHU_DATA_DIR=${dataDir}\n`);
    t.notOk(fs.existsSync(path.join(root, 'etc/systemd/system/kehu.service')), '--no-systemd: no unit');

    // 2. The installed CLI creates the first administrator (from a directory it cannot write to, with no KEHU_* variables).
    const created = await run(kehu, ['user:create', '--email', ADMIN_EMAIL, '--password', ADMIN_PASSWORD, '--name', 'Admin', '--role', 'admin'], { cwd: '/' });
    t.equal(created.code, 0, `kehu user:create${created.code ? `:\n${created.output}` : ''}`);
    t.match(created.stdout, /created user \d+/);
    t.ok(fs.existsSync(path.join(dataDir, 'kehu.db')), 'the database is in the data directory');
    const status = await run(kehu, ['migrate', '--status']);
    t.match(status.stdout, /the database is up to date/, 'kehu migrate --status');

    // 3. Start it as the unit would and sign in like a browser.
    let server = await startServer(kehu, ['serve'], { url, cwd: dataDir });
    t.teardown(() => server.stop('SIGKILL'));
    const ready = await (await fetch(`${url}/readyz`)).json();
    t.same(ready, { status: 'ready', database: 'sqlite' }, '/readyz');
    const { browser, home } = await pageSignIn(url);
    t.equal(home.status, 200, 'signed in through the sign-in page; the home page opens');
    t.match(home.text, /<html/);
    const css = await fetch(`${url}/assets/css/app.css`);
    t.equal(css.status, 200, 'assets are served from the installation');
    t.ok(browser.cookies.get('kehu_session'), 'session cookie');
    const token = await apiSignIn(url);
    const company = await api(url, token, 'POST', '/companies', { name: '杭州安装测试有限公司' });
    t.equal(company.status, 201, 'a company is created');
    const stopped = await server.stop();
    t.same(stopped, { code: 0, signal: null }, 'SIGTERM: it exits 0');

    // 4. The same archive again: nothing changes, nothing breaks.
    fs.appendFileSync(envFile, '# changed by the administrator\n');
    const envBefore = fs.readFileSync(envFile);
    const again = await install(release.file);
    t.equal(again.code, 0, `the same archive again${again.code ? `:\n${again.output}` : ''}`);
    t.match(again.stdout, /already unpacked/);
    t.match(again.stdout, /Keeping the configuration/);
    t.equal(fs.readlinkSync(path.join(prefix, 'current')), current, 'current unchanged');
    t.same(fs.readdirSync(path.join(prefix, 'releases')), [path.basename(current)], 'one release');

    // 5. A newer build: a new release directory, `current` switches, the previous one stays.
    const newer = path.join(root, 'newer');
    fs.mkdirSync(newer);
    t.equal((await run('tar', ['-xzf', release.file, '-C', newer])).code, 0);
    const top = fs.readdirSync(newer)[0];
    const manifestFile = path.join(newer, top, 'RELEASE.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    manifest.builtAt = new Date(Date.parse(manifest.builtAt) + 3600_000).toISOString();
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const newerArchive = path.join(newer, path.basename(release.file));
    t.equal((await run('tar', ['-czf', newerArchive, '-C', newer, top])).code, 0);
    const upgrade = await install('--port', '1', newerArchive);
    t.equal(upgrade.code, 0, `upgrade${upgrade.code ? `:\n${upgrade.output}` : ''}`);
    t.match(upgrade.stdout, /Kehu upgraded to/);
    const upgraded = fs.readlinkSync(path.join(prefix, 'current'));
    t.not(upgraded, current, `current -> ${upgraded}`);
    t.equal(fs.readlinkSync(path.join(prefix, 'previous')), current, 'previous -> the version before');
    t.same(fs.readdirSync(path.join(prefix, 'releases')).sort(), [path.basename(current), path.basename(upgraded)].sort(), 'both versions are on disk');
    t.same(fs.readFileSync(envFile), envBefore, 'the settings file is untouched (--port only shapes a new one)');
    t.ok(fs.existsSync(path.join(dataDir, 'kehu.db')), 'the data is still there');

    server = await startServer(kehu, ['serve'], { url, cwd: dataDir });
    const token2 = await apiSignIn(url);
    const kept = await api(url, token2, 'GET', `/companies/${company.body.data.id}`);
    t.equal(kept.status, 200, 'after the upgrade the same password signs in and the company is there');
    t.equal(kept.body.data.name, '杭州安装测试有限公司');
    t.equal((await server.stop()).code, 0);

    // 6. Rollback switches back, and back again.
    const back = await run('bash', [INSTALL, '--root', root, '--rollback']);
    t.equal(back.code, 0, `--rollback${back.code ? `:\n${back.output}` : ''}`);
    t.equal(fs.readlinkSync(path.join(prefix, 'current')), current, 'current -> the previous version');
    t.equal(fs.readlinkSync(path.join(prefix, 'previous')), upgraded);
    t.equal((await run(kehu, ['migrate', '--status'])).code, 0, 'the rolled-back version runs');

    // 7. Uninstall keeps data and configuration; --purge removes them.
    const un = await run('bash', [INSTALL, '--root', root, '--uninstall']);
    t.equal(un.code, 0);
    t.match(un.stdout, /Data kept in/);
    t.notOk(fs.existsSync(prefix), 'the program is gone');
    t.ok(fs.existsSync(path.join(dataDir, 'kehu.db')), 'the data is kept');
    t.same(fs.readFileSync(envFile), envBefore, 'the configuration is kept');
    const purge = await run('bash', [INSTALL, '--root', root, '--uninstall', '--purge']);
    t.equal(purge.code, 0);
    t.notOk(fs.existsSync(dataDir), '--purge removes the data');
    t.notOk(fs.existsSync(path.dirname(envFile)), 'and the configuration');
    t.equal((await run('bash', [INSTALL, '--root', root, '--purge'])).code, 1, '--purge alone is refused');
  });

  t.test('the systemd unit: the installed command, hardened, and systemd-analyze verify accepts it', async (t) => {
    const root = tmpRoot();
    const r = await run('bash', [INSTALL, '--root', root, release.file], { timeoutMs: 120_000 });
    t.equal(r.code, 0, `install.sh with a unit${r.code ? `:\n${r.output}` : ''}`);
    const unitFile = path.join(root, 'etc/systemd/system/kehu.service');
    const unit = fs.readFileSync(unitFile, 'utf8');
    const prefix = path.join(root, 'opt/kehu');
    t.match(unit, `ExecStart=${prefix}/bin/kehu serve\n`, 'it runs the installed kehu command');
    t.match(unit, `Environment=KEHU_ENV_FILE=${root}/etc/kehu/kehu.env\n`, 'with the settings file');
    t.match(unit, `ReadWritePaths=${root}/var/lib/kehu\n`, 'the data directory is the one writable path');
    for (const line of ['NoNewPrivileges=true', 'ProtectSystem=strict', 'PrivateTmp=true', 'ProtectHome=true', 'KillSignal=SIGTERM', 'Restart=on-failure', 'UMask=0077']) {
      t.match(unit, `\n${line}\n`, line);
    }
    t.notMatch(unit, /MemoryDenyWriteExecute=true/, 'no W^X (V8 needs it)');
    const verify = await run('systemd-analyze', ['verify', unitFile]);
    t.equal(verify.code, 0, `systemd-analyze verify${verify.output ? `: ${verify.output}` : ''}`);
  });
}
