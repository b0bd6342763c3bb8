// License files without a database: the canonical form that is signed, verification (valid,
// tampered payload, tampered signature, another key, wrong product, malformed), the updates rule,
// the vendor's tool (scripts/license-keygen: keygen, sign, verify, embed), and the guarantees
// around the built-in key: a real Ed25519 public key, no private key in the repository, and no
// configuration key or environment variable that could replace it.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { canonicalJson, LicenseError, parseLicense, publicKeyFrom, signLicense, updatesCover, verifyLicense } from '../../src/license/license-file';
import { VENDOR_PUBLIC_KEY_PEM } from '../../src/license/vendor-key';
import { RELEASE_DATE } from '../../src/license/release';
import { configSchema } from '../../src/config/schema';
import { run as keygen, embedSource } from '../../scripts/license-keygen';
import { testLicense, testLicenseKeys, testPayload } from '../support/license';

const ROOT = path.resolve(__dirname, '..', '..');

t.test('the signed bytes do not depend on key order or spacing', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], 中: '文' }), '{"a":[{"c":null,"d":"x"}],"b":1,"中":"文"}');
  const license = testLicense();
  const reordered = JSON.parse(JSON.stringify({ signature: license.signature, payload: Object.fromEntries(Object.entries(license.payload).reverse()) }));
  t.ok(verifyLicense(JSON.stringify(reordered, null, 4), testLicenseKeys.publicKey), 'a pretty-printed, reordered file still verifies');
  t.ok(verifyLicense(`\uFEFF${JSON.stringify(license)}`, testLicenseKeys.publicKey), 'a byte-order mark is tolerated');
});

t.test('verification', async (t) => {
  const key = testLicenseKeys.publicKey;
  const good = testLicense({ seats: 25 });
  t.same(verifyLicense(good, key).payload.seats, 25, 'valid');

  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'accepted';
    } catch (err) {
      return err instanceof LicenseError ? err.code : `other: ${(err as Error).message}`;
    }
  };
  t.equal(code(() => verifyLicense({ ...good, payload: { ...good.payload, seats: 26 } }, key)), 'tampered', 'payload: seats changed');
  t.equal(code(() => verifyLicense({ ...good, payload: { ...good.payload, licensee: 'Someone else' } }, key)), 'tampered', 'payload: licensee changed');
  t.equal(code(() => verifyLicense({ ...good, payload: { ...good.payload, updates_until: '2199-12-31' } }, key)), 'tampered', 'payload: updates extended');
  t.equal(code(() => verifyLicense({ ...good, payload: { ...good.payload, features: ['x'] } }, key)), 'tampered', 'payload: a feature added');
  const sig = Buffer.from(good.signature, 'base64');
  sig[63] ^= 0x80;
  t.equal(code(() => verifyLicense({ ...good, signature: sig.toString('base64') }, key)), 'tampered', 'signature: one bit flipped');
  const other = crypto.generateKeyPairSync('ed25519');
  t.equal(code(() => verifyLicense(signLicense(testPayload(), other.privateKey), key)), 'tampered', 'signed by another key');
  t.equal(code(() => verifyLicense(testLicense({ product: 'kehu-pro' }), key)), 'wrong_product', 'wrong product');
  t.equal(code(() => verifyLicense('not json', key)), 'malformed');
  t.equal(code(() => verifyLicense({ payload: good.payload }, key)), 'malformed', 'no signature');
  t.equal(code(() => verifyLicense({ ...good, signature: 'AAAA' }, key)), 'malformed', 'a signature of the wrong length');
  t.equal(code(() => parseLicense({ ...good, payload: { ...good.payload, seats: 0 } })), 'malformed', 'zero seats');
  t.equal(code(() => parseLicense({ ...good, payload: { ...good.payload, issued: '2026-02-30' } })), 'malformed', 'an impossible date');
  t.equal(code(() => parseLicense({ ...good, payload: { ...good.payload, updates_until: '2025-12-31' } })), 'malformed', 'updates ending before the issue date');
  t.throws(() => publicKeyFrom(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), /Ed25519/, 'only Ed25519 keys');
});

t.test('updates cover versions released on or before updates_until', async (t) => {
  t.ok(updatesCover({ updates_until: '2026-11-25' }, '2026-11-25'));
  t.ok(updatesCover({ updates_until: '2027-01-01' }, '2026-11-25'));
  t.notOk(updatesCover({ updates_until: '2026-11-24' }, '2026-11-25'));
  t.match(RELEASE_DATE, /^\d{4}-\d{2}-\d{2}$/, 'this version has a release date (package.json releaseDate)');
});

t.test('the built-in vendor key', async (t) => {
  const key = publicKeyFrom(VENDOR_PUBLIC_KEY_PEM);
  t.equal(key.asymmetricKeyType, 'ed25519');
  t.notOk(key.equals(testLicenseKeys.publicKey), 'tests never use it');
  t.equal(fs.readFileSync(path.join(ROOT, 'src/license/vendor-key.ts'), 'utf8'), embedSource(VENDOR_PUBLIC_KEY_PEM), 'the file is what the vendor tool generates');
  t.throws(() => verifyLicense(testLicense(), key), { code: 'tampered' }, 'a license signed with the test key is not accepted by the product key');
});

t.test('no private key is in the repository', async (t) => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT }).toString().split('\0').filter(Boolean);
  t.ok(tracked.length > 50, 'the repository lists its files');
  const offenders = tracked.filter((f) => {
    const full = path.join(ROOT, f);
    if (!fs.existsSync(full) || fs.statSync(full).size > 2_000_000) return false;
    return /-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----/.test(fs.readFileSync(full, 'latin1')) || /\.pem$|private.*key|\.key$/i.test(f);
  });
  t.same(offenders.filter((f) => f !== 'test/license/license-file.test.ts'), [], 'no tracked file holds a private key');
  const ignore = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8');
  t.match(ignore, /^\*\.pem$/m, '.gitignore keeps *.pem out');
});

t.test('no configuration key or environment variable can replace the built-in key', async (t) => {
  const schema = JSON.stringify(configSchema);
  t.notMatch(schema, /licen[cs]e|public.?key|vendor/i, 'the config schema has no license or key setting');
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ts')) {
        const text = fs.readFileSync(full, 'utf8');
        if (/process\.env[^\n]*(?:LICEN[CS]E|PUBLIC_KEY)/i.test(text) || /KEHU_TEST_LICENSE/.test(text)) offenders.push(path.relative(ROOT, full));
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  t.same(offenders, [], 'src/ reads no license key from the environment (only test/support entries do)');
});

t.test('the vendor tool: keygen, sign, verify, embed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-keygen-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out: string[] = [];
  const say = (s: string) => out.push(s);
  const priv = path.join(dir, 'vendor.private.pem');
  const pub = path.join(dir, 'vendor.public.pem');
  keygen(['keygen', '--private', priv, '--public', pub], say);
  t.equal(fs.statSync(priv).mode & 0o777, 0o600, 'the private key is readable by its owner only');
  t.throws(() => keygen(['keygen', '--private', priv, '--public', pub], say), /EEXIST/, 'an existing key is never overwritten');
  const payloadFile = path.join(dir, 'payload.json');
  fs.writeFileSync(payloadFile, JSON.stringify(testPayload({ license_id: 'K-TOOL', seats: 12 })));
  const licenseFile = path.join(dir, 'license.json');
  keygen(['sign', '--key', priv, '--payload', payloadFile, '--out', licenseFile], say);
  const license = JSON.parse(fs.readFileSync(licenseFile, 'utf8'));
  t.equal(verifyLicense(license, publicKeyFrom(fs.readFileSync(pub))).payload.license_id, 'K-TOOL', 'the signed license verifies with the pair\'s public key');
  keygen(['verify', '--public', pub, '--license', licenseFile], say);
  t.match(out.join(''), /valid: K-TOOL/);
  fs.writeFileSync(payloadFile, JSON.stringify(testPayload({ product: 'other' })));
  t.throws(() => keygen(['sign', '--key', priv, '--payload', payloadFile], say), /product must be "kehu"/);
  fs.writeFileSync(payloadFile, JSON.stringify({ ...testPayload(), seats: -1 }));
  t.throws(() => keygen(['sign', '--key', priv, '--payload', payloadFile], say), /seats/);
  const embedded: string[] = [];
  keygen(['embed', '--public', pub], (s) => embedded.push(s));
  t.match(embedded.join(''), /export const VENDOR_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----/);

  // The shell wrapper, as the vendor runs it.
  const help = execFileSync(path.join(ROOT, 'scripts/license-keygen'), ['--help'], { cwd: ROOT }).toString();
  t.match(help, /license-keygen keygen --private FILE --public FILE/);
});
