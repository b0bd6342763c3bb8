// First run in a real browser (Debian's Chromium through playwright-core) against a real Kehu
// process: setup with a refused common password, the home page in Chinese, the language switch to
// English, a password change on /profile, sign-out and sign-in with the new password; screenshots
// at phone and desktop widths; no request leaves 127.0.0.1 and the console stays free of errors.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, ROOT, SHOTS, kehuAndBrowser } from '../support/browser';

type Catalog = Record<string, any>;
const zh: Catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'zh-CN.json'), 'utf8'));
const en: Catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'en.json'), 'utf8'));
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, k: string) => vars[k]);

// A real server and a real browser: allow for a slow, busy machine.
t.setTimeout(300_000);

t.test('first run in a real browser', async (t) => {
  const { base, browser, kehu } = await kehuAndBrowser(t);
  t.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  const page: Page = await context.newPage();
  page.setDefaultTimeout(15_000);

  const requests: string[] = [];
  const consoleErrors: Array<{ text: string; url: string }> = [];
  // Pages answered with an error status on purpose (a refused form is re-rendered with 400/401);
  // Chromium reports each as "Failed to load resource" in the console.
  const failedPages: Array<{ method: string; path: string; status: number }> = [];
  context.on('request', (req) => requests.push(req.url()));
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.status() >= 400) failedPages.push({ method: res.request().method(), path: new URL(res.url()).pathname, status: res.status() });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push({ text: msg.text(), url: msg.location().url || page.url() });
  });
  page.on('pageerror', (err) => consoleErrors.push({ text: `uncaught ${err.message}`, url: page.url() }));

  fs.mkdirSync(SHOTS, { recursive: true });
  const shots = ['setup-phone.png', 'setup-desktop.png', 'home-phone.png', 'home-desktop.png'].map((f) => path.join(SHOTS, f));
  for (const f of shots) fs.rmSync(f, { force: true });
  async function screenshot(name: string, viewport: { width: number; height: number }): Promise<void> {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
  }

  const company = '云帆科技 E2E';
  const adminName = '李雷';
  const email = 'lilei@example.com';
  const firstPassword = 'Yunfan-setup-2026!';
  const newPassword = 'Yunfan-changed-2027!';

  await t.test('/ leads to setup', async (t) => {
    await page.goto(`${base}/`);
    t.equal(new URL(page.url()).pathname, '/setup');
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'a fresh install speaks Chinese');
    t.equal((await page.textContent('h1'))?.trim(), zh.setup.title);
    await screenshot('setup-phone.png', PHONE);
    await screenshot('setup-desktop.png', DESKTOP);
  });

  await t.test('a common password is refused inline, the other fields kept', async (t) => {
    await page.fill('#f-company_name', company);
    await page.selectOption('#f-timezone', 'Asia/Tokyo');
    await page.selectOption('#f-currency', 'USD');
    await page.selectOption('#f-locale', 'zh-CN');
    await page.fill('#f-admin_name', adminName);
    await page.fill('#f-admin_email', email);
    await page.fill('#f-admin_password', 'password1');
    await Promise.all([page.waitForLoadState('load'), page.waitForResponse((r) => r.url() === `${base}/setup` && r.request().method() === 'POST'), page.click('form[action="/setup"] button[type="submit"]')]);
    t.equal(new URL(page.url()).pathname, '/setup', 'still on setup');
    t.equal((await page.textContent('#e-admin_password'))?.trim(), zh.validation.common, 'the error under the password field, in Chinese');
    t.equal(await page.getAttribute('#f-admin_password', 'aria-invalid'), 'true');
    t.equal(await page.inputValue('#f-company_name'), company);
    t.equal(await page.inputValue('#f-timezone'), 'Asia/Tokyo');
    t.equal(await page.inputValue('#f-currency'), 'USD');
    t.equal(await page.inputValue('#f-locale'), 'zh-CN');
    t.equal(await page.inputValue('#f-admin_name'), adminName);
    t.equal(await page.inputValue('#f-admin_email'), email);
    t.equal(await page.inputValue('#f-admin_password'), '', 'the password is not sent back');
    t.equal(await page.locator('.error').count(), 1, 'only the password field has an error');
  });

  await t.test('a good password completes setup: the home page in Chinese', async (t) => {
    await page.fill('#f-admin_password', firstPassword);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/setup"] button[type="submit"]')]);
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    t.ok(await page.getByRole('link', { name: zh.nav.home, exact: true }).isVisible(), `the nav shows "${zh.nav.home}"`);
    t.equal((await page.textContent('h1'))?.trim(), fill(zh.home.greeting, { name: adminName }));
    t.match(await page.textContent('main'), zh.roles.admin, 'the role in Chinese');
    t.equal((await page.textContent('.brand'))?.trim(), company);
    await screenshot('home-phone.png', PHONE);
    // On a phone the links sit behind the menu button.
    const homeLink = page.getByRole('link', { name: zh.nav.home, exact: true });
    t.notOk(await homeLink.isVisible(), 'phone: the links are folded away');
    await page.click('.menu > summary');
    t.ok(await homeLink.isVisible(), 'phone: the menu button shows them');
    t.ok(await page.locator('[data-testid="sign-out"]').isVisible(), 'phone: sign-out is in the menu');
    await page.click('.menu > summary');
    await screenshot('home-desktop.png', DESKTOP);
    t.ok(await homeLink.isVisible(), 'desktop: the links are a row, no button needed');
    t.notOk(await page.locator('.menu > summary').isVisible(), 'desktop: no menu button');

    const gone = await page.goto(`${base}/setup`);
    t.equal(new URL(page.url()).pathname, '/', 'setup is gone for good (it sends a signed-in admin home)');
    t.ok(gone?.ok());
  });

  await t.test('the language select switches to English', async (t) => {
    await Promise.all([page.waitForURL(`${base}/`), page.waitForResponse((r) => r.url() === `${base}/locale`), page.selectOption('[data-testid="language"]', 'en')]);
    await page.waitForLoadState('load');
    t.equal(await page.getAttribute('html', 'lang'), 'en');
    t.ok(await page.getByRole('link', { name: en.nav.home, exact: true }).isVisible(), `the nav shows "${en.nav.home}"`);
    t.equal((await page.textContent('h1'))?.trim(), fill(en.home.greeting, { name: adminName }));
    t.equal(await page.inputValue('[data-testid="language"]'), 'en');
    t.notOk(await page.getByText(zh.nav.home, { exact: true }).count(), 'no Chinese nav left');
    await page.reload();
    t.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice sticks');
  });

  await t.test('/profile: change the password', async (t) => {
    await page.goto(`${base}/profile`);
    t.equal((await page.textContent('h1'))?.trim(), en.profile.title);
    t.equal(await page.inputValue('[data-testid="profile-locale"]'), 'en', 'the switch was saved on the account');

    await page.fill('#f-current_password', 'Not-my-password-1');
    await page.fill('#f-new_password', newPassword);
    await Promise.all([page.waitForResponse((r) => r.url() === `${base}/profile/password`), page.click('form[action="/profile/password"] button[type="submit"]')]);
    await page.waitForLoadState('load');
    t.equal((await page.textContent('#e-current_password'))?.trim(), en.validation.incorrect, 'the wrong current password is named inline');
    t.equal(await page.getAttribute('#f-current_password', 'aria-invalid'), 'true');

    await page.fill('#f-current_password', firstPassword);
    await page.fill('#f-new_password', newPassword);
    await Promise.all([page.waitForURL(`${base}/profile?notice=password_changed`), page.click('form[action="/profile/password"] button[type="submit"]')]);
    t.equal((await page.textContent('.notice'))?.trim(), en.notices.password_changed);
    t.equal(await page.locator('.error').count(), 0);
    t.equal((await page.textContent('h1'))?.trim(), en.profile.title, 'still signed in after the change');
  });

  await t.test('sign out, then sign in with the new password', async (t) => {
    await Promise.all([page.waitForURL(`${base}/login?notice=signed_out`), page.click('[data-testid="sign-out"]')]);
    t.equal((await page.textContent('.notice'))?.trim(), en.notices.signed_out);
    t.equal(await page.locator('[data-testid="sign-out"]').count(), 0, 'signed out');
    await page.goto(`${base}/`);
    t.equal(new URL(page.url()).pathname, '/login', 'home needs a sign-in again');

    await page.fill('#f-email', email);
    await page.fill('#f-password', firstPassword);
    await Promise.all([page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === 'POST'), page.click('form[action="/login"] button[type="submit"]')]);
    await page.waitForLoadState('load');
    t.equal((await page.textContent('[role="alert"]'))?.trim(), en.auth.bad_credentials, 'the old password no longer works');
    t.equal(await page.inputValue('#f-email'), email, 'the email is kept');

    await page.fill('#f-password', newPassword);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/login"] button[type="submit"]')]);
    t.equal((await page.textContent('h1'))?.trim(), fill(en.home.greeting, { name: adminName }));
    t.ok(await page.getByRole('link', { name: en.nav.home, exact: true }).isVisible());
  });

  await t.test('screenshots were saved', async (t) => {
    for (const f of shots) {
      t.ok(fs.existsSync(f), `${path.relative(ROOT, f)} exists`);
      const size = fs.existsSync(f) ? fs.statSync(f).size : 0;
      t.ok(size > 1000, `${path.relative(ROOT, f)} is not empty (${size} bytes)`);
      if (size > 24) {
        const png = fs.readFileSync(f);
        t.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG');
        const width = png.readUInt32BE(16);
        t.equal(width, f.includes('phone') ? PHONE.width : DESKTOP.width, `${path.basename(f)} is ${width} px wide`);
      }
    }
  });

  await t.test('nothing left the machine, and the console stayed clean', async (t) => {
    t.ok(requests.length >= 10, `requests were recorded (${requests.length})`);
    const prefix = `http://127.0.0.1:${kehu.port}/`;
    t.same(requests.filter((u) => !u.startsWith(prefix)), [], `every request went to ${prefix}`);
    t.ok(requests.some((u) => u.startsWith(`${prefix}assets/js/app.js`)), 'the script was loaded (so CSP and JS were exercised)');
    t.ok(requests.some((u) => u.startsWith(`${prefix}assets/css/app.css`)), 'the stylesheet was loaded');
    t.same(failedPages, [
      { method: 'POST', path: '/setup', status: 400 },
      { method: 'POST', path: '/profile/password', status: 400 },
      { method: 'POST', path: '/login', status: 401 },
    ], 'the only error pages were the refused forms');
    // Chromium logs those refused form pages as "Failed to load resource"; excuse exactly those
    // (same page, same status) and nothing else: an asset that fails, a CSP violation or a script
    // error still fails the test.
    const unexpected = consoleErrors.filter((e) => {
      const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
      return !(m && failedPages.some((f) => `${base}${f.path}` === e.url && f.status === Number(m[1])));
    });
    t.same(unexpected.map((e) => `${e.url}: ${e.text}`), [], 'no console errors or uncaught exceptions (CSP violations would show here)');
    t.notMatch(kehu.output(), /"level":(50|60)/, 'the server logged no errors');
  });
});
