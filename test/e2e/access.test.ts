// Who may see what, in a real browser (Debian's Chromium through playwright-core) against a real
// Kehu process. An auditor signs in through the sign-in page, reads the audit log, filters it,
// opens an entry's diff (a sensitive value masked) and is refused customer pages and records. A
// sales rep sees their own companies and not another rep's (list, record, search) and is refused
// the audit log and its entries; their own sign-in history is a click away on the profile.
// Screenshots at phone and desktop widths; no request leaves 127.0.0.1; the console stays clean.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, ROOT, SHOTS, kehuAndBrowser } from '../support/browser';

type Catalog = Record<string, any>;
const zh: Catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'zh-CN.json'), 'utf8'));

t.setTimeout(300_000);

const ADMIN = { email: 'lilei@example.com', password: 'Yunfan-setup-2026!' };
const PASSWORD = 'Access-e2e-2026!';
const REP = { email: 'wangfang@example.com', name: '王芳', role: 'sales' };
const OTHER = { email: 'zhaolei@example.com', name: '赵磊', role: 'sales' };
const AUDITOR = { email: 'sunli@example.com', name: '孙丽', role: 'auditor' };
const REP_COMPANY = '杭州星河贸易有限公司';
const OTHER_COMPANY = '成都蓝鲸物流有限公司';

interface Watched {
  page: Page;
  /** 4xx/5xx answers the test did not ask for. */
  unexpected: string[];
  /** Paths whose refusal the test provokes (answered 403/404). */
  expectRefusal(pathname: string): void;
}

t.test('an auditor and a sales rep in a real browser', async (t) => {
  const { base, browser, kehu } = await kehuAndBrowser(t);
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  fs.mkdirSync(SHOTS, { recursive: true });
  const shots: string[] = [];
  const overflow: string[] = [];

  async function open(b: Browser): Promise<Watched> {
    const context = await b.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const refusals = new Set<string>();
    const unexpected: string[] = [];
    context.on('request', (req) => requests.push(req.url()));
    page.on('response', (res) => {
      if (res.status() >= 400 && !refusals.has(new URL(res.url()).pathname)) unexpected.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('console', (msg) => {
      // A refused page is answered with 403/404, which Chromium reports on the console: expected.
      if (msg.type() === 'error' && !/status of 40[34]/.test(msg.text())) consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: uncaught ${err.message}`));
    return { page, unexpected, expectRefusal: (p) => refusals.add(p) };
  }

  async function screenshots(page: Page, name: string): Promise<void> {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(viewport);
      const file = path.join(SHOTS, `access-${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
      if (label === 'phone') {
        const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
        if (width > PHONE.width) overflow.push(`${name}: ${width} px`);
      }
    }
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.fill('#f-email', email);
    await page.fill('#f-password', password);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/login"] button[type="submit"]')]);
  }

  /** Opens a page the role may not see: the answer is a refusal page with that status. */
  async function refused(w: Watched, pathname: string, status: 403 | 404): Promise<boolean> {
    w.expectRefusal(pathname);
    const res = await w.page.goto(`${base}${pathname}`);
    const heading = (await w.page.textContent('h1'))?.trim();
    return res?.status() === status && heading === String(status);
  }

  async function api(token: string | null, method: string, url: string, body?: unknown): Promise<any> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: any = res.status === 204 ? null : await res.json();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  }
  const tokenOf = async (email: string, password: string) => (await api(null, 'POST', '/api/v1/auth/login', { email, password })).token as string;

  // ---- the company: set up in the browser, people and customers through the API ----
  const admin = await open(browser);
  await admin.page.goto(`${base}/`);
  t.equal(new URL(admin.page.url()).pathname, '/setup', 'a fresh install asks for setup');
  await admin.page.fill('#f-company_name', '云帆 E2E');
  await admin.page.selectOption('#f-timezone', 'Asia/Shanghai');
  await admin.page.fill('#f-admin_name', '李雷');
  await admin.page.fill('#f-admin_email', ADMIN.email);
  await admin.page.fill('#f-admin_password', ADMIN.password);
  await Promise.all([admin.page.waitForURL(`${base}/`), admin.page.click('form[action="/setup"] button[type="submit"]')]);
  const adminToken = await tokenOf(ADMIN.email, ADMIN.password);
  const ids: Record<string, number> = {};
  for (const u of [REP, OTHER, AUDITOR]) ids[u.email] = (await api(adminToken, 'POST', '/api/v1/users', { ...u, password: PASSWORD })).id;
  const repToken = await tokenOf(REP.email, PASSWORD);
  const otherToken = await tokenOf(OTHER.email, PASSWORD);
  const repCompany = await api(repToken, 'POST', '/api/v1/companies', { name: REP_COMPANY, city: '杭州', phone: '0571-8888 1234' });
  const otherCompany = await api(otherToken, 'POST', '/api/v1/companies', { name: OTHER_COMPANY, city: '成都' });
  await api(repToken, 'PATCH', `/api/v1/companies/${repCompany.id}`, { city: '宁波', phone: '0574-2222 5678', version: repCompany.version });

  await t.test('the auditor reads the log and opens an entry', async (t) => {
    const w = await open(browser);
    const { page } = w;
    await signIn(page, AUDITOR.email, PASSWORD);
    t.ok(await page.locator('[data-testid="nav-audit"]').isVisible(), 'the nav has the audit log');
    t.equal(await page.locator('nav a[href="/companies"]').count(), 0, 'and no companies');
    await Promise.all([page.waitForURL(`${base}/audit`), page.click('[data-testid="nav-audit"]')]);
    t.equal((await page.textContent('h1'))?.trim(), zh.audit.title);
    const log = await page.textContent('[data-testid="audit-entries"]');
    t.match(log, zh.audit.actions.update, 'the update is listed');
    t.match(log, zh.audit.actions.sign_in, 'sign-ins are listed');
    t.match(log, REP.name, 'by who');
    await screenshots(page, 'audit-log');

    // Filter by who and action (the form's own fields), then open the entry.
    await page.selectOption('select[name="filter[actor_id]"]', { label: REP.name });
    await page.fill('input[name="filter[action]"]', 'update');
    await Promise.all([page.waitForURL(/\/audit\?/), page.click('[data-testid="audit-filters"] button[type="submit"]')]);
    const rows = page.locator('[data-testid="audit-entries"] tbody tr[data-entry]');
    t.equal(await rows.count(), 1, 'one update by the rep');
    await Promise.all([page.waitForURL(/\/audit\/entries\/\d+$/), rows.first().locator('a[href^="/audit/entries/"]').click()]);
    const facts = await page.textContent('[data-testid="audit-entry"]');
    t.match(facts, REP.name, 'who');
    t.match(facts, `#${repCompany.id}`, 'which record');
    const diff = await page.textContent('[data-testid="audit-changes"]');
    t.match(diff, '杭州', 'the city before');
    t.match(diff, '宁波', 'and after');
    t.notMatch(diff, '8888 1234', 'the phone number is not shown to an auditor');
    t.match(diff, zh.audit.masked, 'it is marked masked');
    await screenshots(page, 'audit-entry');

    // The rep's sign-in history, from the filtered log.
    await page.goto(`${base}/audit?filter[actor_id]=${ids[REP.email]}`);
    await Promise.all([page.waitForURL(/\/sign-ins$/), page.click('[data-testid="sign-ins-link"]')]);
    t.match(await page.textContent('h1'), REP.name, "the rep's sign-in history");
    t.ok(await page.locator('[data-testid="sign-ins"] tr[data-action="sign_in"]').count() >= 1, 'with their sign-ins');

    // Customers are not the auditor's business: pages and records refused.
    t.ok(await refused(w, '/companies', 403), 'the company list is refused');
    t.ok(await refused(w, `/companies/${repCompany.id}`, 403), 'a company record is refused');
    t.ok(await refused(w, '/contacts', 403), 'the contact list is refused');
    await screenshots(page, 'auditor-refused');
    t.same(w.unexpected, [], 'nothing else failed');
  });

  await t.test('the sales rep sees their own customers, not the log', async (t) => {
    const w = await open(browser);
    const { page } = w;
    await signIn(page, REP.email, PASSWORD);
    t.equal(await page.locator('[data-testid="nav-audit"]').count(), 0, 'no audit log in the nav');
    await Promise.all([page.waitForURL(`${base}/companies`), page.click('nav a[href="/companies"]')]);
    const list = await page.textContent('[data-testid="list-table"]');
    t.match(list, REP_COMPANY, 'their own company is listed');
    t.notMatch(list, OTHER_COMPANY, "another rep's is not");
    await screenshots(page, 'rep-companies');
    await page.goto(`${base}/companies/${repCompany.id}`);
    t.match(await page.textContent('h1'), REP_COMPANY, 'their company opens');
    t.match(await page.textContent('body'), '0574-2222 5678', 'with its phone number (sales may see contact details)');
    await page.goto(`${base}/search?q=${encodeURIComponent('蓝鲸')}`);
    t.notMatch(await page.textContent('main'), OTHER_COMPANY, "search does not find another rep's company");
    t.ok(await refused(w, `/companies/${otherCompany.id}`, 404), "another rep's company is not found");
    t.ok(await refused(w, '/audit', 403), 'the audit log is refused');
    t.ok(await refused(w, '/audit/entries/1', 403), 'so is an entry');
    await screenshots(page, 'rep-refused');

    // Their own sign-in history, from the profile.
    await page.goto(`${base}/profile`);
    await Promise.all([page.waitForURL(/\/sign-ins$/), page.click('[data-testid="sign-ins-link"]')]);
    t.equal((await page.textContent('h1'))?.trim(), zh.audit.sign_ins.own_title);
    t.ok(await page.locator('[data-testid="sign-ins"] tr[data-action="sign_in"]').count() >= 2, 'the API sign-in and this one');
    t.match(await page.textContent('[data-testid="sign-ins"]'), 'HeadlessChrome', 'with the browser it came from');
    await screenshots(page, 'rep-sign-ins');
    t.same(w.unexpected, [], 'nothing else failed');
  });

  await t.test('screenshots, layout, network and console', async (t) => {
    for (const f of shots) {
      const png = fs.readFileSync(f);
      t.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${path.basename(f)} is a PNG`);
      t.equal(png.readUInt32BE(16), f.includes('-phone') ? PHONE.width : DESKTOP.width, `${path.basename(f)} has the right width`);
    }
    t.same(overflow, [], 'no page is wider than a 390 px phone');
    const prefix = `http://127.0.0.1:${kehu.port}/`;
    t.same(requests.filter((u) => !u.startsWith(prefix)), [], 'every request stayed on the machine');
    t.same(admin.unexpected, [], 'setup went without a failed request');
    t.same(consoleErrors, [], 'no console errors (a CSP violation would show here)');
    t.notMatch(kehu.output(), /"level":(50|60)/, 'the server logged no errors');
  });
});
