// The sales pipeline in a real browser (Debian's Chromium through playwright-core) against a real
// Kehu process: an admin adds a routing rule, a visitor submits the web form pasted on another
// site (the snippet from the settings page), the lead arrives routed and scored, is converted
// into a customer and a deal from its page, and the deal is dragged to the next stage on the
// board (public/js/board.js); the console stays clean (CSP forbids inline scripts).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { DESKTOP, ROOT, SHOTS, kehuAndBrowser } from '../support/browser';

type Catalog = Record<string, any>;
const zh: Catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'zh-CN.json'), 'utf8'));

t.setTimeout(300_000);

t.test('web form → routed lead → conversion → drag on the board', async (t) => {
  const { base, browser } = await kehuAndBrowser(t);
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  const page: Page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && page.url().startsWith(base)) consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: uncaught ${err.message}`));
  fs.mkdirSync(SHOTS, { recursive: true });

  await page.goto(`${base}/`);
  await page.fill('#f-company_name', '云帆 E2E');
  await page.selectOption('#f-timezone', 'Asia/Shanghai');
  await page.fill('#f-admin_name', '李雷');
  await page.fill('#f-admin_email', 'lilei@example.com');
  await page.fill('#f-admin_password', 'Yunfan-setup-2026!');
  await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/setup"] button[type="submit"]')]);

  // The admin routes website leads to themself and copies the form.
  await page.goto(`${base}/admin/leads`);
  await page.fill('#r-name', '网站线索');
  await page.selectOption('#r-field', 'source');
  await page.selectOption('#r-op', 'eq');
  await page.fill('#r-value', 'website');
  await page.selectOption('#r-action', 'user');
  await page.selectOption('#r-user', { label: '李雷' });
  await Promise.all([page.waitForURL(/\/admin\/leads\?notice=saved/), page.click('[data-testid="new-rule"] button[type="submit"]')]);
  t.match(await page.textContent('[data-testid="routing-rules"]'), '网站线索', 'the rule is listed');
  const snippet = (await page.textContent('[data-testid="snippet"]'))!;
  t.match(snippet, `${base}/forms/lead`, 'the snippet posts to this server');

  // A visitor on another site (a page of its own, not Kehu's origin) fills in the pasted form.
  const visitor = await context.newPage();
  await visitor.setContent(`<!doctype html><html><body><h1>远方科技官网</h1>${snippet}</body></html>`);
  await visitor.fill('input[name="name"]', '周经理');
  await visitor.fill('input[name="company_name"]', '远方科技有限公司');
  await visitor.fill('input[name="email"]', 'zhou@yuanfang-tech.cn');
  await visitor.fill('textarea[name="message"]', '想了解 CRM 报价');
  await visitor.check('input[name="consent"]');
  await Promise.all([visitor.waitForURL(`${base}/forms/lead`), visitor.click('button[type="submit"]')]);
  t.equal((await visitor.textContent('[data-testid="thanks"]'))?.trim(), zh.leads.web.thanks, 'the visitor is thanked');
  await visitor.close();

  // The lead is there, routed by the rule, scored, with the consent recorded.
  await page.goto(`${base}/leads`);
  await Promise.all([page.waitForURL(/\/leads\/\d+$/), page.click('[data-testid="leads-list"] tbody a')]);
  const leadUrl = page.url();
  t.equal((await page.textContent('[data-testid="lead-owner"]'))?.trim(), '李雷', 'routed to the rule\'s user');
  t.equal((await page.textContent('[data-testid="lead-score"]'))?.trim(), '15', 'scored: a company email');
  await page.screenshot({ path: path.join(SHOTS, 'pipeline-lead-desktop.png'), fullPage: true });

  // Convert: a new company, a contact and a deal in one step.
  await page.fill('#f-deal_name', '远方 CRM 项目');
  await page.fill('#f-amount', '36000');
  await Promise.all([page.waitForURL(/\/leads\/\d+\?notice=converted$/), page.click('[data-testid="convert-form"] button[type="submit"]')]);
  t.ok(await page.isVisible('[data-testid="converted"]'), 'the lead links to what it became');
  await Promise.all([page.waitForURL(/\/deals\/\d+$/), page.click('[data-testid="converted-deal"]')]);
  const dealId = page.url().split('/').pop()!;
  t.equal((await page.textContent('[data-testid="deal-stage"]'))?.trim(), zh.pipelines.stages.lead, 'the deal starts in the first stage');

  // Drag the card from the first column to the next on the board.
  await page.goto(`${base}/deals/board`);
  const columns = page.locator('[data-board] > section');
  const first = await columns.nth(0).getAttribute('data-stage');
  const second = await columns.nth(1).getAttribute('data-stage');
  t.equal(await page.locator(`[data-stage="${first}"] [data-deal="${dealId}"]`).count(), 1, 'the card is in the first column');
  await Promise.all([
    page.waitForEvent('load'),
    page.dragAndDrop(`[data-deal="${dealId}"] .deal-name`, `[data-stage="${second}"] .board-head`),
  ]);
  await page.locator(`[data-stage="${second}"] [data-deal="${dealId}"]`).waitFor({ state: 'visible' });
  t.equal(await page.locator(`[data-stage="${second}"] [data-deal="${dealId}"]`).count(), 1, 'after the drop and the reload it is in the next column');
  t.match(await page.textContent(`[data-stage="${second}"] [data-testid="count"]`), '1', 'the column count comes from the database');
  await page.screenshot({ path: path.join(SHOTS, 'pipeline-board-desktop.png'), fullPage: true });
  await page.goto(`${base}/deals/${dealId}`);
  t.equal((await page.textContent('[data-testid="deal-stage"]'))?.trim(), zh.pipelines.stages.qualification, 'the deal page agrees');
  t.match(await page.textContent('[data-testid="timeline"]'), `${zh.pipelines.stages.lead} → ${zh.pipelines.stages.qualification}`, 'the stage change is on its timeline');

  // Dropped on the lost end, the card opens its deal's move form with the lost stage chosen (the
  // reason is given there); nothing moved yet. The lost column is off to the right of the window, so
  // the drag is dispatched as the browser would send it instead of by the mouse.
  await page.goto(`${base}/deals/board`);
  const lostStage = (await page.locator('[data-board] > section.kind-lost').getAttribute('data-stage'))!;
  const transfer = await page.evaluateHandle('new DataTransfer()');
  await page.dispatchEvent(`[data-deal="${dealId}"]`, 'dragstart', { dataTransfer: transfer });
  await page.dispatchEvent(`[data-stage="${lostStage}"] .board-head`, 'dragover', { dataTransfer: transfer });
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/deals/${dealId}` && u.searchParams.get('move_to') === lostStage),
    page.dispatchEvent(`[data-stage="${lostStage}"] .board-head`, 'drop', { dataTransfer: transfer }),
  ]);
  t.equal(await page.inputValue('#d-stage'), lostStage, 'the lost stage is chosen on the deal\'s move form');
  t.equal((await page.textContent('[data-testid="deal-stage"]'))?.trim(), zh.pipelines.stages.qualification, 'and the deal has not moved yet');

  // A long column: the first 20 cards, then "more cards" fetches the next page in place.
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'lilei@example.com', password: 'Yunfan-setup-2026!' }) });
  const bearer = ((await login.json()) as { data: { token: string } }).data.token;
  for (let i = 0; i < 25; i++) {
    const res = await fetch(`${base}/api/v1/deals`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `批量商机 ${i}` }) });
    t.equal(res.status, 201);
  }
  await page.goto(`${base}/deals/board`);
  const firstColumn = page.locator(`[data-stage="${first}"] .deal-card`);
  t.equal(await firstColumn.count(), 20, 'the first 20 cards');
  t.match(await page.textContent(`[data-stage="${first}"] [data-testid="count"]`), '25', 'the count is all 25');
  await page.click(`[data-testid="more-${first}"]`);
  await page.locator(`[data-stage="${first}"] .deal-card`).nth(24).waitFor({ state: 'attached' });
  t.equal(await firstColumn.count(), 25, 'more cards, in place');
  t.equal(await page.locator(`[data-testid="more-${first}"]`).count(), 0, 'and no more link at the end');
  t.equal(new URL(page.url()).pathname, '/deals/board', 'without leaving the board');

  await page.goto(leadUrl);
  t.same(consoleErrors, [], 'no console errors (CSP would report inline scripts)');
});
