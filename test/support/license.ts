// Licenses for tests: a throwaway Ed25519 key pair made once per test process (never the vendor's),
// a generous license signed with it that every test app gets by default, and files of both for
// the processes the launcher starts (test/support/kehu-process.ts reads them; src/ never does).
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signLicense, type LicenseFile, type LicensePayload } from '../../src/license/license-file';

const pair = crypto.generateKeyPairSync('ed25519');

export const testLicenseKeys: { publicKey: KeyObject; privateKey: KeyObject } = pair;

export function testPayload(overrides: Partial<LicensePayload> = {}): LicensePayload {
  return {
    product: 'kehu',
    license_id: 'TEST-0001',
    licensee: '测试公司 Test Ltd.',
    edition: 'enterprise',
    seats: 10_000,
    issued: '2026-01-01',
    updates_until: '2099-12-31',
    features: [],
    ...overrides,
  };
}

/** A license signed with the test key (or another private key). */
export function testLicense(overrides: Partial<LicensePayload> = {}, privateKey: KeyObject = pair.privateKey): LicenseFile {
  return signLicense(testPayload(overrides), privateKey);
}

/** What every test app gets unless a test says otherwise: many seats, updates far in the future. */
export const GENEROUS_TEST_LICENSE = testLicense({ license_id: 'TEST-GENEROUS' });

/** Env names honoured by test/support/kehu-process.ts and test/support/kehu-cli.ts only. */
export const TEST_KEY_ENV = 'KEHU_TEST_LICENSE_PUBLIC_KEY_FILE';
export const TEST_LICENSE_ENV = 'KEHU_TEST_LICENSE_FILE';

let files: { publicKey: string; license: string } | undefined;

/** The test public key and the generous license as files (written once per test process). */
export function testLicenseFiles(): { publicKey: string; license: string } {
  if (files && fs.existsSync(files.publicKey)) return files;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-test-license-'));
  const publicKey = path.join(dir, 'test-public-key.pem');
  const license = path.join(dir, 'license.json');
  fs.writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  fs.writeFileSync(license, JSON.stringify(GENEROUS_TEST_LICENSE, null, 2));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  files = { publicKey, license };
  return files;
}

/** Env for a launched test process: the test key and the generous license, unless `env` sets its own. */
export function testLicenseEnv(): Record<string, string> {
  const f = testLicenseFiles();
  return { [TEST_KEY_ENV]: f.publicKey, [TEST_LICENSE_ENV]: f.license };
}
