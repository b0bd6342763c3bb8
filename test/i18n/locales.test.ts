// The locale catalogs: locales/en.json and locales/zh-CN.json have the same keys, no empty values,
// matching {placeholders}, real Chinese in zh-CN, and every key the views and src/ use (literal or
// built from a known set of values) exists in both.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ACTIONS, BUILTIN_ROLE_KEYS, FLAGS, RESOURCES, SCOPES } from '../../src/access/catalog';
import { GROUND_CODES } from '../../src/modules/access/why.service';
import { HANDOVER_TYPES } from '../../src/modules/records/handover';
import { SYSTEM_ACTOR_BASE } from '../../src/access/scope';
import { LOCALES } from '../../src/lib/i18n';
import { PAGE_TEXT_CODES } from '../../src/plugins/errors';
import { ACTIVITY_TYPES, PRIORITIES, SIZE_BANDS, SOURCES } from '../../src/modules/records/record-fields';
import { COMPANY_LABELS } from '../../src/modules/companies/companies.pages';
import { CONTACT_LABELS } from '../../src/modules/contacts/contacts.pages';
import { ACTIVITY_LABELS } from '../../src/modules/activities/activities.pages';
import { TASK_LABELS } from '../../src/modules/tasks/tasks.pages';
import { DEAL_LABELS, DEAL_STATUSES } from '../../src/modules/deals/deals.schemas';
import { LOST_REASON_KEYS, PIPELINE_KEYS, STAGE_KEYS } from '../../src/modules/pipelines/pipelines.schemas';
import { CONDITION_OPS, LEAD_SOURCES, LEAD_STATUSES, ROUTABLE_FIELDS, ROUTING_ACTIONS } from '../../src/modules/leads/leads.schemas';

const ROOT = path.resolve(__dirname, '..', '..');

function flatten(tree: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, ext));
    else if (entry.name.endsWith(ext)) out.push(full);
  }
  return out.sort();
}

const rel = (file: string) => path.relative(ROOT, file);

const catalogs = {
  en: flatten(JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'en.json'), 'utf8'))),
  'zh-CN': flatten(JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'zh-CN.json'), 'utf8'))),
};
const localeNames = Object.keys(catalogs) as Array<keyof typeof catalogs>;

const viewFiles = filesUnder(path.join(ROOT, 'views'), '.hbs');
const srcFiles = filesUnder(path.join(ROOT, 'src'), '.ts');
const read = (file: string) => fs.readFileSync(file, 'utf8');

/** Asserts that `key` exists in both catalogs, saying where it is used. */
function checkKey(t: Test, key: string, where: string): void {
  for (const locale of localeNames) t.ok(catalogs[locale].has(key), `${locale} has "${key}" (${where})`);
}

t.test('the catalogs cover exactly the product locales', async (t) => {
  t.same([...localeNames].sort(), [...LOCALES].sort(), 'one locales/<locale>.json per locale in LOCALES');
  const files = fs.readdirSync(path.join(ROOT, 'locales')).filter((f) => f.endsWith('.json')).sort();
  t.same(files, LOCALES.map((l) => `${l}.json`).sort(), 'no stray catalog files');
});

t.test('both locale files have exactly the same keys', async (t) => {
  const en = [...catalogs.en.keys()];
  const zh = [...catalogs['zh-CN'].keys()];
  t.ok(en.length > 50, `en has keys (${en.length})`);
  t.same(en.filter((k) => !catalogs['zh-CN'].has(k)), [], 'no key only in en.json');
  t.same(zh.filter((k) => !catalogs.en.has(k)), [], 'no key only in zh-CN.json');
  t.equal(zh.length, en.length);
});

t.test('every value is a non-empty string', async (t) => {
  for (const locale of localeNames) {
    const bad = [...catalogs[locale]].filter(([, v]) => typeof v !== 'string' || v.trim() === '').map(([k]) => k);
    t.same(bad, [], `${locale}: no empty or non-string values`);
  }
});

t.test('the Chinese catalog is actually Chinese', async (t) => {
  const values = [...catalogs['zh-CN'].values()] as string[];
  const cjk = values.filter((v) => /[\u3400-\u9fff\uf900-\ufaff]/.test(v));
  const share = cjk.length / values.length;
  t.ok(share >= 0.8, `${Math.round(share * 100)}% of zh-CN values contain a CJK character (need 80%)`);
  const sameAsEnglish = [...catalogs['zh-CN']].filter(([k, v]) => v === catalogs.en.get(k) && /[a-z]{3}/i.test(String(v))).map(([k]) => k);
  // A few values (a language's own name, "English") may legitimately stay the same.
  t.ok(sameAsEnglish.length <= 3, `few zh-CN values are copied from English: ${sameAsEnglish.join(', ') || 'none'}`);
  const en = [...catalogs.en.values()] as string[];
  t.same(en.filter((v) => /[\u3400-\u9fff]/.test(v) && !v.includes('简体中文')), [], 'and the English catalog has no Chinese outside the language name');
});

t.test('placeholders match between en and zh-CN', async (t) => {
  const placeholders = (v: unknown) => [...String(v).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  let withPlaceholders = 0;
  for (const [key, en] of catalogs.en) {
    const zh = catalogs['zh-CN'].get(key);
    if (zh === undefined) continue; // reported by the same-keys test
    if (placeholders(en).length) withPlaceholders += 1;
    t.same(placeholders(zh), placeholders(en), `"${key}" has the same placeholders in both`);
  }
  t.ok(withPlaceholders >= 5, `some values have placeholders (${withPlaceholders}), so the check means something`);
});

// ---- keys used by the views ---------------------------------------------------------------------

const VALUE_SETS: Record<string, string[]> = {
  'roles.': ['admin', 'manager', 'sales', 'support', 'auditor', 'system'],
  'locales.': ['zh-CN', 'en'],
  'jobs.status_': ['running', 'succeeded', 'failed', 'skipped'],
  'auth.link_': ['invite', 'reset'],
  // Customer records: the field vocabularies and each page's field labels, from the code itself.
  'customers.sources.': [...SOURCES],
  'customers.size_bands.': [...SIZE_BANDS],
  'activities.types.': [...ACTIVITY_TYPES],
  'tasks.priorities.': [...PRIORITIES],
  'companies.fields.': COMPANY_LABELS,
  'contacts.fields.': CONTACT_LABELS,
  'activities.fields.': ACTIVITY_LABELS,
  'tasks.fields.': TASK_LABELS,
  // Why a record looks like a duplicate: the fields each findDuplicates compares.
  'customers.matched.': ['name', 'phone', 'mobile', 'email'],
  // Access control: the permission matrix's vocabulary, share levels and the why-page's grounds.
  'roles.resources.': [...RESOURCES],
  'roles.actions.': [...ACTIONS],
  'roles.scopes.': [...SCOPES],
  'roles.flags.': FLAGS.map((f) => f.replace('.', '_')),
  'shares.access_': ['read', 'edit'],
  'why.grounds.': [...GROUND_CODES],
  'users.handover_types.': [...HANDOVER_TYPES],
  // The pipeline: seeded names and the deal pages' labels.
  'pipelines.stages.': [...STAGE_KEYS],
  'pipelines.names.': [...PIPELINE_KEYS],
  'deals.lost_reasons.': [...LOST_REASON_KEYS],
  'deals.fields.': DEAL_LABELS,
  'deals.statuses.': [...DEAL_STATUSES],
  'leads.statuses.': [...LEAD_STATUSES],
  'leads.sources.': [...LEAD_SOURCES],
  'leads.fields.': [...ROUTABLE_FIELDS],
  'leads.actions.': [...ROUTING_ACTIONS],
  'leads.ops.': [...CONDITION_OPS],
  'leads.over_limit_': ['quarantine', 'refuse'],
};

/** Every notice value a page route accepts: `notice: { ..., enum: [...] }` in src/**\/*.pages.ts. */
function noticeValues(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of srcFiles.filter((f) => f.endsWith('.pages.ts'))) {
    for (const m of read(file).matchAll(/notice:\s*\{[^}]*?enum:\s*\[([^\]]*)\]/g)) {
      for (const v of m[1].matchAll(/'([^']+)'|"([^"]+)"/g)) out.set(v[1] ?? v[2], rel(file));
    }
  }
  return out;
}
VALUE_SETS['notices.'] = [...noticeValues().keys()];
VALUE_SETS['errors.codes.'] = [...PAGE_TEXT_CODES];

t.test('the known value sets agree with the code', async (t) => {
  const roles = new Set([...BUILTIN_ROLE_KEYS, SYSTEM_ACTOR_BASE.roleKey]);
  t.same([...roles].sort(), [...VALUE_SETS['roles.']].sort(), 'roles: the built-in roles plus the system actor');
  t.same([...VALUE_SETS['locales.']].sort(), [...LOCALES].sort(), 'locales: LOCALES');
  const runner = read(path.join(ROOT, 'src', 'jobs', 'runner.ts'));
  const statusType = /status:\s*((?:'\w+'\s*\|?\s*)+);/.exec(runner);
  t.ok(statusType, 'JobRun.status is a union of literals in src/jobs/runner.ts');
  const statuses = [...(statusType?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]);
  t.same(statuses.sort(), [...VALUE_SETS['jobs.status_']].sort(), 'job statuses: JobRun.status');
  const userSchemas = read(path.join(ROOT, 'src', 'modules', 'users', 'users.schemas.ts'));
  const purposes = /purpose:\s*\{[^}]*enum:\s*\[([^\]]*)\]/.exec(userSchemas);
  t.ok(purposes, 'the password link purposes are an enum in users.schemas.ts');
  t.same([...(purposes?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]).sort(), [...VALUE_SETS['auth.link_']].sort(), 'password link purposes');

  const notices = noticeValues();
  t.ok(notices.size >= 4, `notice values found in the page routes: ${[...notices.keys()].join(', ')}`);
  // Every ?notice=x a route redirects to must be accepted by some page's enum.
  for (const file of srcFiles) {
    for (const m of read(file).matchAll(/[?&]notice=(\w+)/g)) t.ok(notices.has(m[1]), `${rel(file)} redirects with notice=${m[1]}, which a page accepts`);
  }
});

t.test('every key the views use exists in both catalogs', async (t) => {
  t.ok(viewFiles.length >= 10, `views found (${viewFiles.length})`);
  let literal = 0;
  let dynamic = 0;
  for (const file of viewFiles) {
    const text = read(file);
    for (const m of text.matchAll(/(?:\{\{|\()\s*t\s+"([^"]+)"/g)) {
      literal += 1;
      checkKey(t, m[1], rel(file));
    }
    for (const m of text.matchAll(/\(\s*t\s+'([^']+)'/g)) {
      literal += 1;
      checkKey(t, m[1], rel(file));
    }
    // {{t (concat "prefix." value)}}: the prefix must have a known value set, each value a key.
    for (const m of text.matchAll(/(?:\{\{|\()\s*t\s+\(\s*concat\s+"([^"]+)"/g)) {
      dynamic += 1;
      const prefix = m[1];
      const values = VALUE_SETS[prefix];
      t.ok(values, `${rel(file)} builds keys from "${prefix}", whose values are known to this test`);
      for (const v of values ?? []) checkKey(t, `${prefix}${v}`, `${rel(file)}, from concat "${prefix}"`);
    }
    // Any other t with a non-literal key would escape this test.
    for (const m of text.matchAll(/(?:\{\{|\()\s*t\s+([^\s"'(][^\s}]*)/g)) t.fail(`${rel(file)} calls t with a key this test cannot check: t ${m[1]}`);
  }
  t.ok(literal >= 100, `literal keys checked in views (${literal})`);
  t.ok(dynamic >= 4, `dynamic keys checked in views (${dynamic})`);
});

// ---- keys used by src/ --------------------------------------------------------------------------

t.test('every key src/ uses exists in both catalogs', async (t) => {
  let literal = 0;
  let dynamic = 0;
  for (const file of srcFiles) {
    const text = read(file);
    if (!/from '(?:\.\.\/)+lib\/i18n'|from '\.\/i18n'/.test(text)) continue;
    for (const m of text.matchAll(/\bt\(\s*([\w.]+)\s*,\s*(?:'([^']*)'|"([^"]*)"|`([^`]*)`|([^,)]+))/g)) {
      const [, , single, double, template, other] = m;
      if (single !== undefined || double !== undefined) {
        literal += 1;
        checkKey(t, single ?? double, rel(file));
      } else if (template !== undefined) {
        dynamic += 1;
        const prefix = /^([^$]*)\$\{/.exec(template)?.[1];
        if (prefix === undefined) {
          checkKey(t, template, rel(file));
          continue;
        }
        if (prefix === 'validation.') continue; // checked below: field error keywords, with a fallback to the English message
        const values = VALUE_SETS[prefix];
        t.ok(values, `${rel(file)} builds keys from \`${template}\`, whose values are known to this test`);
        for (const v of values ?? []) checkKey(t, `${prefix}${v}`, `${rel(file)}, from \`${template}\``);
      } else if (other !== undefined) {
        // A key expression: a variable set from a template or from literals, or a ternary of literals.
        let expr = other.trim();
        const assigned = /^\w+$/.test(expr) ? new RegExp(`const ${expr} = ([^;]+);`).exec(text) : null;
        if (assigned) expr = assigned[1];
        const templates = [...expr.matchAll(/`([^`]*)`/g)].map((x) => x[1]);
        const literals = [...expr.replace(/`[^`]*`/g, '').matchAll(/'([^']*)'/g)].map((x) => x[1]).filter((x) => /^[a-z_]+\.[\w.-]+$/.test(x));
        t.ok(templates.length + literals.length > 0, `${rel(file)}: the key expression t(..., ${other.trim()}) is one this test can check`);
        for (const key of literals) {
          dynamic += 1;
          checkKey(t, key, `${rel(file)}, from ${other.trim()}`);
        }
        for (const template of templates) {
          dynamic += 1;
          const prefix = /^([^$]*)\$\{/.exec(template)?.[1] ?? '';
          t.ok(prefix === 'validation.' || VALUE_SETS[prefix], `${rel(file)}: the key prefix "${prefix}" is known`);
          for (const v of VALUE_SETS[prefix] ?? []) checkKey(t, `${prefix}${v}`, `${rel(file)}, from \`${template}\``);
        }
      }
    }
  }
  t.ok(literal >= 12, `literal keys checked in src (${literal})`);
  t.ok(dynamic >= 8, `dynamic keys checked in src (${dynamic})`);
});

t.test('validation messages exist for the keywords forms show', async (t) => {
  // Ajv keywords of the form schemas, and every keyword a service raises with ValidationError.field.
  const keywords = new Set(['required', 'minLength', 'maxLength', 'format', 'pattern', 'enum', 'type', 'minimum', 'maximum']);
  // Services of modules that have pages (their errors reach forms), and the password rules every form uses.
  const pageModules = new Set(srcFiles.filter((f) => f.endsWith('.pages.ts')).map((f) => path.dirname(f)));
  t.ok(pageModules.size >= 4, `modules with pages (${pageModules.size})`);
  const sources = srcFiles.filter((f) => pageModules.has(path.dirname(f)) || f === path.join(ROOT, 'src', 'lib', 'passwords.ts'));
  for (const file of sources) for (const m of read(file).matchAll(/ValidationError\.field\(\s*[^,]+,\s*'(\w+)'/g)) keywords.add(m[1]);
  t.ok(keywords.size >= 15, `keywords collected (${keywords.size})`);
  for (const k of keywords) checkKey(t, `validation.${k}`, 'validation keyword');
});
