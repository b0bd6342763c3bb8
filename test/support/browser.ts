// What every browser test starts with: a real Kehu process on a fresh database and Debian's
// Chromium driven by playwright-core (never a downloaded browser), both closed when the test ends.
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase } from './databases';
import { startKehu, type KehuProcess } from './launcher';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

// Flags that work here as root, with no network beyond the machine.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function kehuAndBrowser(t: Test): Promise<{ base: string; browser: Browser; kehu: KehuProcess }> {
  // Never skipped: without the browser the test fails and says why.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); browser tests never download a browser`);
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const kehu = await startKehu({ KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl }, { timeoutMs: 120_000 });
  t.teardown(async () => {
    await kehu.stop();
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.teardown(() => browser.close());
  return { base: kehu.url, browser, kehu };
}
