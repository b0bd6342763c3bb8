// The customers pages in a real browser (Debian's Chromium through playwright-core) against a real
// Kehu process: create a company and a contact, log a call with a next step from the contact's
// page, find the customer by a two-character Chinese substring in the top bar's search box (typed,
// with the as-you-type dropdown), and see the follow-up on My day. Screenshots at phone and desktop
// widths; no page is wider than the phone; no request leaves 127.0.0.1; the console stays clean
// (CSP forbids inline scripts and styles, so a violation would show there).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, ROOT, SHOTS, kehuAndBrowser } from '../support/browser';

type Catalog = Record<string, any>;
const zh: Catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'zh-CN.json'), 'utf8'));

t.setTimeout(300_000);

/** Today's date in Shanghai (the company's time zone), as a date input wants it. */
function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

t.test('customers in a real browser', async (t) => {
  const { base, browser, kehu } = await kehuAndBrowser(t);
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  const page: Page = await context.newPage();
  page.setDefaultTimeout(15_000);

  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const failedPages: string[] = [];
  context.on('request', (req) => requests.push(req.url()));
  page.on('response', (res) => {
    if (res.status() >= 400) failedPages.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: uncaught ${err.message}`));

  fs.mkdirSync(SHOTS, { recursive: true });
  const shots: string[] = [];
  const overflow: string[] = [];
  /** Screenshots at both widths; at the phone's width nothing may stick out sideways. */
  async function screenshots(name: string): Promise<void> {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(viewport);
      const file = path.join(SHOTS, `customers-${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
      if (label === 'phone') {
        const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
        if (width > PHONE.width) overflow.push(`${name}: ${width} px`);
      }
    }
  }
  const submit = async (form: string, urlPart?: RegExp) => {
    await Promise.all([urlPart ? page.waitForURL(urlPart) : page.waitForLoadState('load'), page.click(`${form} button[type="submit"].primary`)]);
  };

  const companyName = '深圳市云帆科技有限公司';
  const contactName = '陈静';

  await t.test('set up Kehu', async (t) => {
    await page.goto(`${base}/`);
    t.equal(new URL(page.url()).pathname, '/setup');
    await page.fill('#f-company_name', '云帆 E2E');
    await page.selectOption('#f-timezone', 'Asia/Shanghai');
    await page.fill('#f-admin_name', '李雷');
    await page.fill('#f-admin_email', 'lilei@example.com');
    await page.fill('#f-admin_password', 'Yunfan-setup-2026!');
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/setup"] button[type="submit"]')]);
    t.ok(await page.getByRole('link', { name: zh.companies.title, exact: true }).isVisible(), 'the nav has the companies link');
  });

  let companyUrl = '';
  await t.test('create a company', async (t) => {
    await page.click(`a[href="/companies"]`);
    await page.waitForURL(`${base}/companies`);
    t.equal((await page.textContent('h1'))?.trim(), zh.companies.title);
    await screenshots('list-empty');
    await Promise.all([page.waitForURL(`${base}/companies/new`), page.click('[data-testid="new-record"]')]);
    await page.fill('#f-name', companyName);
    await page.fill('#f-short_name', '云帆');
    await page.selectOption('#f-grade', 'A');
    await page.fill('#f-phone', '0755-8888 1234');
    await page.fill('#f-city', '深圳');
    await screenshots('company-form');
    await submit('[data-testid="record-form"]', /\/companies\/\d+\?notice=created$/);
    companyUrl = page.url().replace(/\?.*$/, '');
    t.equal((await page.textContent('.notice'))?.trim(), zh.notices.created);
    t.match(await page.textContent('h1'), companyName);
  });

  let contactUrl = '';
  await t.test('create a contact at the company', async (t) => {
    await Promise.all([page.waitForURL(/\/contacts\/new\?company_id=\d+$/), page.click('[data-testid="new-contact"]')]);
    t.equal(await page.inputValue('#f-company_id'), companyUrl.split('/').pop(), 'the company is chosen already');
    await page.fill('#f-name', contactName);
    await page.fill('#f-title', '采购经理');
    await page.fill('#f-mobile', '139 2000 1234');
    await submit('[data-testid="record-form"]', /\/contacts\/\d+\?notice=created$/);
    contactUrl = page.url().replace(/\?.*$/, '');
    t.match(await page.textContent('h1'), contactName);
    t.equal((await page.textContent('[data-testid="contact-company"]'))?.trim(), companyName, 'linked to the company');
  });

  await t.test('log a call with a next step from the contact\'s page', async (t) => {
    const started = Date.now();
    t.equal(await page.inputValue('#q-type'), 'call', 'a call is the default');
    await page.fill('#q-subject', '询价');
    await page.fill('#q-outcome', '有兴趣，要报价');
    await page.fill('#q-next', '发报价单');
    await page.fill('#q-next-at', shanghaiToday());
    await Promise.all([page.waitForURL(/\/contacts\/\d+\?notice=logged/), page.click('[data-testid="quick-log"] button[type="submit"]')]);
    t.ok(Date.now() - started < 10_000, 'logging takes seconds, not minutes');
    const timeline = await page.textContent('[data-testid="timeline"]');
    t.match(timeline, '询价', 'the call is on the timeline');
    t.match(timeline, '发报价单', 'so is the follow-up task');
    await screenshots('contact-360');
  });

  await t.test('find the customer by two Chinese characters in the search box', async (t) => {
    await page.goto(companyUrl);
    await page.setViewportSize(DESKTOP);
    await page.goto(`${base}/`);
    const box = page.locator('[data-testid="search-box"]');
    await box.click();
    await box.pressSequentially('云帆', { delay: 50 });
    const hit = page.locator('.search-results a', { hasText: companyName });
    await hit.waitFor({ state: 'visible' });
    t.ok(await page.locator('.search-results a', { hasText: companyName }).count(), 'the dropdown lists the company');
    await page.screenshot({ path: path.join(SHOTS, 'customers-search-dropdown-desktop.png') });
    shots.push(path.join(SHOTS, 'customers-search-dropdown-desktop.png'));
    await Promise.all([page.waitForURL(companyUrl), hit.click()]);
    t.match(await page.textContent('h1'), companyName, 'and leads to it');
    t.match(await page.textContent('#contacts'), contactName, 'with its contact');
    t.match(await page.textContent('[data-testid="timeline"]'), '询价', 'and the call on the company\'s timeline too');
    await screenshots('company-360');

    // Without the dropdown (Enter): the results page.
    await page.fill('[data-testid="search-box"]', '云帆');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.press('[data-testid="search-box"]', 'Enter')]);
    t.match(await page.textContent('[data-testid="search-companies"]'), companyName);
    await screenshots('search');
  });

  await t.test('the follow-up is on My day', async (t) => {
    await page.goto(`${base}/`);
    const tasks = await page.textContent('[data-testid="myday-tasks"]');
    t.match(tasks, '发报价单', 'the next step is a task for today');
    t.match(tasks, contactName, 'about the contact');
    t.match(await page.textContent('[data-testid="myday-recent"]'), companyName, 'recently viewed');
    await screenshots('myday');
    await Promise.all([page.waitForURL(`${base}/`), page.click('[data-testid="myday-tasks"] [data-testid="task-done"]')]);
    t.notMatch(await page.textContent('[data-testid="myday-tasks"]'), '发报价单', 'done in one click');
  });

  await t.test('the lists at both widths', async (t) => {
    await page.goto(`${base}/contacts`);
    t.match(await page.textContent('[data-testid="list-table"]'), contactName);
    await screenshots('contacts-list');
    await page.goto(`${base}/activities`);
    t.match(await page.textContent('[data-testid="list-table"]'), '询价');
    await screenshots('activities-list');
  });

  await t.test('screenshots, layout, network and console', async (t) => {
    for (const f of shots) {
      const png = fs.readFileSync(f);
      t.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${path.basename(f)} is a PNG`);
      t.equal(png.readUInt32BE(16), f.includes('-phone') ? PHONE.width : DESKTOP.width, `${path.basename(f)} has the right width`);
    }
    t.same(overflow, [], 'no page is wider than a 390 px phone (tables scroll inside .table-wrap)');
    const prefix = `http://127.0.0.1:${kehu.port}/`;
    t.same(requests.filter((u) => !u.startsWith(prefix)), [], 'every request stayed on the machine');
    t.ok(requests.some((u) => u.startsWith(`${prefix}api/v1/search?q=`)), 'the search box asked the API as you typed');
    t.same(failedPages, [], 'no request failed');
    t.same(consoleErrors, [], 'no console errors (a CSP violation would show here)');
    t.notMatch(kehu.output(), /"level":(50|60)/, 'the server logged no errors');
  });
});
