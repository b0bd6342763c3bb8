// The access matrix: every registered route (method + url pattern) with the answer each built-in
// role must get, per ownership case (own / a teammate's in a sub-team / another team's record)
// where the route takes a record, and how to build a valid request from the fixture. Read by
// test/access/matrix.test.ts, which fails on a registered route missing here and on an entry
// whose route is gone.
//
// Outcomes: 'ok' = 2xx/3xx (or a status in `allow`: a validation answer proving the guard let the
// call through), '403', '404', 'refused' (a page that answers a refusal with a redirect notice).
// A role's expectation is one outcome for every case, or three ("own teammate other").
// `bugs` marks cells where the product disagrees with the rule: the cell holds the *correct*
// expectation and runs as a tap todo until the product is fixed.

import { GENEROUS_TEST_LICENSE } from '../support/license';

export const ROLES = ['admin', 'manager', 'sales', 'support', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const CASES = ['own', 'teammate', 'other'] as const;
export type Case = (typeof CASES)[number];
/**
 * The cases a cell can be about: the three above, and for child routes "linked": an activity or
 * task owned by the other team's rep but linked to the caller's own company (readable through the
 * parent, not changeable).
 */
export type CellCase = Case | 'linked';
/** Whose record: a caller's own (by role), the teammate's (sales, child team) or the other rep's (other team). */
export type Owner = Role | 'teammate' | 'other';
export type Outcome = 'ok' | '403' | '404' | 'refused';
export type Expect = Record<Role, string>;

export type RecType = 'companies' | 'contacts' | 'deals' | 'leads' | 'activities' | 'tasks' | 'attachments' | 'activityAttachments' | 'savedViews' | 'users' | 'teams' | 'idle';

export interface Fixture {
  role: Role;
  /** null on routes checked per role only. */
  case: CellCase | null;
  /** The case's owner, or the caller on per-role routes. */
  owner: Owner;
  /** A record made at the start, owned by `owner` (default: the case's owner). */
  rec(type: RecType, owner?: Owner): number;
  /** A new record just for this call (it may be deleted, merged ...). */
  fresh(type: 'companies' | 'contacts' | 'deals' | 'leads' | 'activities' | 'tasks' | 'attachments' | 'savedViews' | 'users' | 'teams' | 'tags' | 'roles' | 'pipelines' | 'lostReasons' | 'submissions' | 'routingRules' | 'scoringRules', options?: { owner?: Owner; deleted?: boolean }): Promise<number>;
  version(table: string, id: number): Promise<number>;
  tag: number;
  unique(prefix: string): string;
  /** A fresh one-time password link's token. */
  passwordToken(): Promise<string>;
  email(owner: Owner): string;
  /** A user who is none of the callers: shares go to them, so sharing changes no caller's view. */
  bystander: number;
  /** A new share of the case's record with the bystander (made by the admin). */
  freshShare(type: 'companies' | 'contacts' | 'deals' | 'leads'): Promise<number>;
  /** A role's id by key (built-in ones). */
  roleId(key: string): Promise<number>;
  /** An existing audit entry's id. */
  auditEntry(): Promise<number>;
  /** The default pipeline's id. */
  defaultPipeline: number;
  /** The first stage of a kind in a pipeline; every stage id of it in order; the stage after a deal's. */
  stage(pipelineId: number, kind?: string): Promise<number>;
  stages(pipelineId: number): Promise<number[]>;
  nextStage(dealId: number): Promise<number>;
  password: string;
  company: Record<string, string>;
  grades: Record<string, { days: number; rule: string }>;
}

export interface Req {
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  body?: Record<string, unknown>;
  /** Sent as multipart/form-data in a field "file". */
  file?: { name: string; type: string; content: string };
  /** Use a session opened for this call alone (the call ends it). */
  throwaway?: boolean;
}

export interface Response {
  status: number;
  text: string;
  json: any;
  headers: Record<string, unknown>;
}

export interface Entry {
  route: string;
  per: 'case' | 'role';
  expect: Expect;
  req?: (f: Fixture) => Req | Promise<Req>;
  /** 4xx answers that still mean "the guard and the scope let it through" (a validation error). */
  allow?: number[];
  classify?: (res: Response) => Outcome | null;
  /** On an allowed list, which cases' records must be in it (y/n for own, teammate, other). */
  sees?: { expect: Record<Role, string>; present: (res: Response, f: Fixture, owner: Owner) => boolean };
  /** Child routes: the answer on a child linked to the caller's own company but owned by the other team's rep. */
  linked?: Record<Role, Outcome>;
  bugs?: Array<{ roles: Role[]; cases?: CellCase[]; note: string }>;
}

// ---- the rules, per role ----

const ALL: Expect = { admin: 'ok', manager: 'ok', sales: 'ok', support: 'ok', auditor: 'ok' };
const ADMIN: Expect = { admin: 'ok', manager: '403', sales: '403', support: '403', auditor: '403' };
/** Needs some scope on customer records (list, create, search the type ...). */
const RECORDS: Expect = { admin: 'ok', manager: 'ok', sales: 'ok', support: 'ok', auditor: '403' };
/** Deleting (trash) is for admin, manager, sales; support has no delete. */
const TRASH: Expect = { admin: 'ok', manager: 'ok', sales: 'ok', support: '403', auditor: '403' };
const TEAMS_READ = RECORDS;
/** Exporting customers: admin all, manager the team; sales, support and auditors none. */
const EXPORT: Expect = { admin: 'ok', manager: 'ok', sales: '403', support: '403', auditor: '403' };
/** The audit log: audit.read / audit.export (admin and auditor). */
const AUDIT: Expect = { admin: 'ok', manager: '403', sales: '403', support: '403', auditor: 'ok' };

/** A record: all for admin and support, the team subtree for the manager, own for sales. */
const READ: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: 'ok', auditor: '403' };
/** Changing: support may read everything but change only its own: 403 on the rest. */
const UPDATE: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: 'ok 403 403', auditor: '403' };
const DELETE: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: '403', auditor: '403' };
/** Logging an activity on a record: activities.create plus reading the record. */
const LOG: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: 'ok', auditor: '403' };
/** Merging changes the kept record and deletes the other (support may delete nothing). */
const MERGE: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: '403', auditor: '403' };
/** A file is seen by whoever may read a record it is on; the guard only asks for a sign-in. */
const FILE_READ: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: 'ok', auditor: '404' };
const FILE_DELETE: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: 'ok 403 403', auditor: '404' };
/** A record's history: whoever may read the record, and auditors any record's. */
const HISTORY: Expect = { ...READ, auditor: 'ok' };
/** A user's sign-in history: one's own, and anyone's for audit.read (admin, auditor). */
const SIGN_INS: Expect = { admin: 'ok', manager: 'ok 403 403', sales: 'ok 403 403', support: 'ok 403 403', auditor: 'ok' };
/** A child readable through its parent (the caller's company) but owned by someone outside the caller's change scope. */
const LINKED_READ: Record<Role, Outcome> = { admin: 'ok', manager: 'ok', sales: 'ok', support: 'ok', auditor: '403' };
const LINKED_CHANGE: Record<Role, Outcome> = { admin: 'ok', manager: '403', sales: '403', support: '403', auditor: '403' };
/** Saved views are private to their user, whatever the role. */
const PRIVATE: Expect = { admin: 'ok 404 404', manager: 'ok 404 404', sales: 'ok 404 404', support: 'ok 404 404', auditor: 'ok 404 404' };

const SEES_READ = { admin: 'yyy', manager: 'yyn', sales: 'ynn', support: 'yyy', auditor: 'nnn' };
const SEES_EXPORT = { admin: 'yyy', manager: 'yyn', sales: 'nnn', support: 'nnn', auditor: 'nnn' };

// ---- request helpers ----

const inList = (type: RecType) => (res: Response, f: Fixture, owner: Owner) => (res.json?.data ?? []).some((r: { id: number }) => r.id === f.rec(type, owner));
const linkIn = (type: RecType, path: string) => (res: Response, f: Fixture, owner: Owner) => res.text.includes(`href="/${path}/${f.rec(type, owner)}"`);
const searchHit = (res: Response, f: Fixture, owner: Owner) => (res.json?.data ?? []).some((h: { type: string; id: number }) => h.type === 'companies' && h.id === f.rec('companies', owner));
/** A CSV export holds the owner's shared record by name. */
const inCsv = (type: 'companies' | 'contacts') => (res: Response, _f: Fixture, owner: Owner) => res.text.includes(type === 'companies' ? `mxshared-${owner},` : `mxshared-person-${owner},`) || res.text.includes(type === 'companies' ? `mxshared-${owner}"` : `mxshared-person-${owner}"`);
const listQuery = { sort: 'created_at', limit: 200 };


function customerRoutes(type: 'companies' | 'contacts'): Entry[] {
  const api = `/api/v1/${type}`;
  const name = (f: Fixture) => f.unique(`mx-${type}`);
  return [
    // API
    { route: `GET ${api}`, per: 'role', expect: RECORDS, req: () => ({ query: listQuery }), sees: { expect: SEES_READ, present: inList(type) } },
    { route: `GET ${api}/:id`, per: 'case', expect: READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST ${api}`, per: 'role', expect: RECORDS, req: (f) => ({ body: { name: name(f), allow_duplicate: true } }) },
    { route: `PATCH ${api}/:id`, per: 'case', expect: UPDATE, req: async (f) => ({ params: { id: f.rec(type) }, body: { notes: 'matrix', version: await f.version(type, f.rec(type)) } }) },
    { route: `DELETE ${api}/:id`, per: 'case', expect: DELETE, req: async (f) => ({ params: { id: await f.fresh(type) } }) },
    { route: `POST ${api}/:id/restore`, per: 'case', expect: DELETE, req: async (f) => ({ params: { id: await f.fresh(type, { deleted: true }) }, body: {} }) },
    { route: `POST ${api}/:id/merge`, per: 'case', expect: MERGE, req: async (f) => ({ params: { id: await f.fresh(type) }, body: { merge_id: await f.fresh(type, { owner: f.role }) } }) },
    { route: `POST ${api}/bulk`, per: 'case', expect: UPDATE, req: (f) => ({ body: { ids: [f.rec(type)], action: 'add_tag', tag_id: f.tag } }) },
    { route: `POST ${api}/duplicates`, per: 'role', expect: RECORDS, req: () => ({ body: { name: 'mxshared' } }) },
    { route: `GET ${api}/export`, per: 'role', expect: EXPORT, sees: { expect: SEES_EXPORT, present: inCsv(type) } },
    { route: `GET ${api}/:id/timeline`, per: 'case', expect: READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `GET ${api}/:id/attachments`, per: 'case', expect: READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST ${api}/:id/attachments`, per: 'case', expect: UPDATE, req: (f) => ({ params: { id: f.rec(type) }, file: { name: 'note.txt', type: 'text/plain', content: 'matrix' } }) },
    // pages
    { route: `GET /${type}`, per: 'role', expect: RECORDS, req: () => ({ query: listQuery }), sees: { expect: SEES_READ, present: linkIn(type, type) } },
    {
      route: `POST /${type}/bulk`, per: 'case', req: (f) => ({ body: { ids: String(f.rec(type)), action: 'add_tag', tag_id: String(f.tag) } }),
      // The list page answers a refused selection with a notice, not an error status.
      classify: (res) => (res.status === 303 ? (String(res.headers.location).includes('bulk_failed') ? 'refused' : 'ok') : null),
      expect: { admin: 'ok', manager: 'ok ok refused', sales: 'ok refused refused', support: 'ok refused refused', auditor: '403' },
    },
    { route: `GET /${type}/trash`, per: 'role', expect: TRASH },
    { route: `GET /${type}/export.csv`, per: 'role', expect: EXPORT, sees: { expect: SEES_EXPORT, present: inCsv(type) } },
    { route: `GET /${type}/new`, per: 'role', expect: RECORDS },
    { route: `POST /${type}`, per: 'role', expect: RECORDS, req: (f) => ({ body: { name: name(f), allow_duplicate: '1' } }) },
    { route: `GET /${type}/:id`, per: 'case', expect: READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST /${type}/:id/log`, per: 'case', expect: LOG, req: (f) => ({ params: { id: f.rec(type) }, body: { type: 'call', subject: 'matrix call' } }) },
    { route: `POST /${type}/:id/attachments`, per: 'case', expect: UPDATE, req: (f) => ({ params: { id: f.rec(type) }, file: { name: 'note.txt', type: 'text/plain', content: 'matrix' } }) },
    { route: `GET /${type}/:id/edit`, per: 'case', expect: UPDATE, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST /${type}/:id`, per: 'case', expect: UPDATE, req: async (f) => ({ params: { id: f.rec(type) }, body: { notes: 'matrix page', version: String(await f.version(type, f.rec(type))) } }) },
    { route: `POST /${type}/:id/delete`, per: 'case', expect: DELETE, req: async (f) => ({ params: { id: await f.fresh(type) }, body: {} }) },
    { route: `POST /${type}/:id/restore`, per: 'case', expect: DELETE, req: async (f) => ({ params: { id: await f.fresh(type, { deleted: true }) }, body: {} }) },
    {
      route: `GET /${type}/:id/merge`, per: 'case', expect: UPDATE, req: async (f) => ({ params: { id: f.rec(type) }, query: { with: await f.fresh(type, { owner: f.role }) } }),
    },
    { route: `POST /${type}/:id/merge`, per: 'case', expect: MERGE, req: async (f) => ({ params: { id: await f.fresh(type) }, body: { merge_id: String(await f.fresh(type, { owner: f.role })) } }) },
    ...sharingRoutes(type, READ, UPDATE),
  ];
}

/** Sharing: reading the shares takes reading the record; sharing takes changing it through one's own role. */
function sharingRoutes(type: 'companies' | 'contacts' | 'deals' | 'leads', read: Expect, update: Expect): Entry[] {
  const api = `/api/v1/${type}`;
  return [
    { route: `GET ${api}/:id/shares`, per: 'case', expect: read, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST ${api}/:id/shares`, per: 'case', expect: update, req: (f) => ({ params: { id: f.rec(type) }, body: { user_id: f.bystander, access: 'read' } }) },
    { route: `DELETE ${api}/:id/shares/:shareId`, per: 'case', expect: update, req: async (f) => ({ params: { id: f.rec(type), shareId: await f.freshShare(type) } }) },
    {
      route: `POST /${type}/:id/shares`, per: 'case', expect: update, req: (f) => ({ params: { id: f.rec(type) }, body: { target: `user:${f.bystander}`, access: 'read' } }),
      classify: (res) => (res.status === 303 && String(res.headers.location).includes('share_invalid') ? 'refused' : null),
    },
    { route: `POST /${type}/:id/shares/:shareId/delete`, per: 'case', expect: update, req: async (f) => ({ params: { id: f.rec(type), shareId: await f.freshShare(type) }, body: {} }) },
  ];
}

/** Deals: admin all, manager the team subtree, sales own; support and auditors none (403 at the guard). */
const DEALS: Expect = { admin: 'ok', manager: 'ok', sales: 'ok', support: '403', auditor: '403' };
const DEAL: Expect = { admin: 'ok', manager: 'ok ok 404', sales: 'ok 404 404', support: '403', auditor: '403' };
/** Pipelines are read with deals and configured by whoever holds pipelines.update (admins). */
function pipelineRoutes(): Entry[] {
  const api = '/api/v1/deals';
  const pipeline = async (f: Fixture) => f.fresh('pipelines');
  const stageOf = async (f: Fixture, id: number, kind = 'open') => f.stage(id, kind);
  return [
    { route: `GET ${api}`, per: 'role', expect: DEALS, req: () => ({ query: listQuery }), sees: { expect: { ...SEES_READ, support: 'nnn' }, present: inList('deals') } },
    { route: `GET ${api}/:id`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') } }) },
    { route: `POST ${api}`, per: 'role', expect: DEALS, req: (f) => ({ body: { name: f.unique('mx-deal') } }) },
    { route: `PATCH ${api}/:id`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: f.rec('deals') }, body: { notes: 'matrix', version: await f.version('deals', f.rec('deals')) } }) },
    { route: `DELETE ${api}/:id`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('deals') } }) },
    { route: `POST ${api}/:id/restore`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('deals', { deleted: true }) }, body: {} }) },
    { route: `POST ${api}/bulk`, per: 'case', expect: DEAL, req: (f) => ({ body: { ids: [f.rec('deals')], action: 'add_tag', tag_id: f.tag } }) },
    { route: `POST ${api}/:id/move`, per: 'case', expect: DEAL, req: async (f) => { const id = await f.fresh('deals'); return { params: { id }, body: { stage_id: await f.nextStage(id), version: 1 } }; } },
    { route: `GET ${api}/:id/history`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') } }) },
    { route: `GET ${api}/:id/timeline`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') } }) },
    ...sharingRoutes('deals', DEAL, DEAL),
    { route: 'GET /api/v1/pipelines/:id/board', per: 'role', expect: DEALS, req: (f) => ({ params: { id: f.defaultPipeline } }) },
    { route: 'GET /api/v1/pipelines/:id/board/:stageId', per: 'role', expect: DEALS, req: async (f) => ({ params: { id: f.defaultPipeline, stageId: await stageOf(f, f.defaultPipeline) } }) },
    { route: 'GET /api/v1/pipelines', per: 'role', expect: DEALS },
    { route: 'GET /api/v1/pipelines/:id', per: 'role', expect: DEALS, req: (f) => ({ params: { id: f.defaultPipeline } }) },
    { route: 'GET /api/v1/pipelines/:id/stages', per: 'role', expect: DEALS, req: (f) => ({ params: { id: f.defaultPipeline } }) },
    { route: 'POST /api/v1/pipelines', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mx-pipeline') } }) },
    { route: 'PATCH /api/v1/pipelines/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await pipeline(f); return { params: { id }, body: { name_en: 'matrix', version: await f.version('pipelines', id) } }; } },
    { route: 'DELETE /api/v1/pipelines/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await pipeline(f) } }) },
    { route: 'POST /api/v1/pipelines/:id/stages', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await pipeline(f) }, body: { name: 'mx', probability: 50 } }) },
    {
      route: 'POST /api/v1/pipelines/:id/stages/reorder', per: 'role', expect: ADMIN,
      req: async (f) => { const id = await pipeline(f); return { params: { id }, body: { stage_ids: await f.stages(id) } }; },
    },
    {
      route: 'PATCH /api/v1/pipelines/:id/stages/:stageId', per: 'role', expect: ADMIN,
      req: async (f) => { const id = await pipeline(f); const stageId = await stageOf(f, id); return { params: { id, stageId }, body: { probability: 15, version: await f.version('pipeline_stages', stageId) } }; },
    },
    {
      route: 'DELETE /api/v1/pipelines/:id/stages/:stageId', per: 'role', expect: ADMIN, allow: [409],
      req: async (f) => { const id = await pipeline(f); return { params: { id, stageId: await stageOf(f, id) } }; },
    },
    { route: 'GET /api/v1/lost-reasons', per: 'role', expect: DEALS },
    { route: 'POST /api/v1/lost-reasons', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mx-reason') } }) },
    { route: 'PATCH /api/v1/lost-reasons/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('lostReasons'); return { params: { id }, body: { active: false, version: 1 } }; } },
    { route: 'DELETE /api/v1/lost-reasons/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('lostReasons') } }) },
    // pages
    { route: 'GET /deals/board', per: 'role', expect: DEALS, sees: { expect: { ...SEES_READ, support: 'nnn' }, present: linkIn('deals', 'deals') } },
    { route: 'GET /deals', per: 'role', expect: DEALS, sees: { expect: { ...SEES_READ, support: 'nnn' }, present: linkIn('deals', 'deals') } },
    { route: 'GET /deals/new', per: 'role', expect: DEALS },
    { route: 'POST /deals', per: 'role', expect: DEALS, req: (f) => ({ body: { name: f.unique('mx-deal-page') } }) },
    { route: 'GET /deals/:id', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') } }) },
    { route: 'GET /deals/:id/edit', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') } }) },
    { route: 'POST /deals/:id', per: 'case', expect: DEAL, req: async (f) => ({ params: { id: f.rec('deals') }, body: { name: `mxdeal-${f.owner}`, notes: 'matrix page', version: String(await f.version('deals', f.rec('deals'))) } }) },
    { route: 'POST /deals/:id/move', per: 'case', expect: DEAL, req: async (f) => { const id = await f.fresh('deals'); return { params: { id }, body: { stage_id: String(await f.nextStage(id)), version: '1', back: '/deals/board' } }; } },
    { route: 'POST /deals/:id/log', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('deals') }, body: { type: 'call', subject: 'matrix deal call' } }) },
    { route: 'GET /admin/pipelines', per: 'role', expect: ADMIN },
    { route: 'POST /admin/pipelines', per: 'role', expect: ADMIN, req: (f) => ({ body: { name_zh: f.unique('mx-pipeline-page') } }) },
    { route: 'POST /admin/pipelines/:id/stages', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await pipeline(f) }, body: { name_en: 'mx', probability: '30' } }) },
    {
      route: 'POST /admin/pipelines/:id/stages/:stageId', per: 'role', expect: ADMIN,
      req: async (f) => { const id = await pipeline(f); const stageId = await stageOf(f, id); return { params: { id, stageId }, body: { name_en: 'mx', probability: '15', version: String(await f.version('pipeline_stages', stageId)) } }; },
    },
    { route: 'POST /admin/pipelines/:id/stages/:stageId/move', per: 'role', expect: ADMIN, req: async (f) => { const id = await pipeline(f); return { params: { id, stageId: await stageOf(f, id) }, body: { direction: 'down' } }; } },
    { route: 'POST /admin/pipelines/:id/stages/:stageId/delete', per: 'role', expect: ADMIN, allow: [409], req: async (f) => { const id = await pipeline(f); return { params: { id, stageId: await stageOf(f, id) }, body: {} }; } },
    { route: 'POST /admin/lost-reasons/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('lostReasons') }, body: { active: 'no', version: '1' } }) },
    { route: 'POST /admin/lost-reasons', per: 'role', expect: ADMIN, req: (f) => ({ body: { name_en: f.unique('mx-reason-page') } }) },
  ];
}

/** Leads: the same rule as deals (support and auditors none); the public form for anyone. */
function leadRoutes(): Entry[] {
  const api = '/api/v1/leads';
  return [
    { route: `GET ${api}`, per: 'role', expect: DEALS, req: () => ({ query: listQuery }), sees: { expect: { ...SEES_READ, support: 'nnn' }, present: inList('leads') } },
    { route: `GET ${api}/groups`, per: 'role', expect: DEALS },
    { route: `GET ${api}/:id`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') } }) },
    { route: `POST ${api}`, per: 'role', expect: DEALS, req: (f) => ({ body: { name: f.unique('mx-lead') } }) },
    { route: `PATCH ${api}/:id`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: f.rec('leads') }, body: { message: 'matrix', version: await f.version('leads', f.rec('leads')) } }) },
    { route: `DELETE ${api}/:id`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads') } }) },
    { route: `POST ${api}/:id/restore`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads', { deleted: true }) }, body: {} }) },
    { route: `POST ${api}/:id/convert`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads') }, body: { allow_duplicate: true } }) },
    { route: `POST ${api}/:id/merge`, per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads') }, body: { merge_id: await f.fresh('leads', { owner: f.role }) } }) },
    { route: `POST ${api}/:id/rescore`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') }, body: {} }) },
    { route: `GET ${api}/:id/timeline`, per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') } }) },
    ...sharingRoutes('leads', DEAL, DEAL),
    { route: 'GET /api/v1/lead-routing-rules', per: 'role', expect: ADMIN },
    { route: 'POST /api/v1/lead-routing-rules', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mx-rule'), conditions: [{ field: 'source', op: 'eq', value: 'campaign' }], action: 'least_loaded' } }) },
    { route: 'PATCH /api/v1/lead-routing-rules/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('routingRules'); return { params: { id }, body: { active: false, version: await f.version('lead_routing_rules', id) } }; } },
    { route: 'DELETE /api/v1/lead-routing-rules/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('routingRules') } }) },
    { route: 'GET /api/v1/lead-scoring-rules', per: 'role', expect: ADMIN },
    { route: 'POST /api/v1/lead-scoring-rules', per: 'role', expect: ADMIN, req: (f) => ({ body: { kind: 'field', label: f.unique('mx-score'), field: 'region', op: 'eq', value: 'mx', points: 1 } }) },
    { route: 'DELETE /api/v1/lead-scoring-rules/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('scoringRules') } }) },
    { route: 'GET /api/v1/lead-settings', per: 'role', expect: ADMIN },
    { route: 'PATCH /api/v1/lead-settings', per: 'role', expect: ADMIN, req: () => ({ body: { per_address_per_hour: 1000 } }) },
    { route: 'GET /api/v1/lead-cadences', per: 'role', expect: ADMIN },
    { route: 'PUT /api/v1/lead-cadences', per: 'role', expect: ADMIN, req: () => ({ body: { bands: [{ band: 'hot', min_score: 60, touches: 2, per_days: 7 }, { band: 'warm', min_score: 30, touches: 1, per_days: 30 }] } }) },
    { route: 'GET /api/v1/lead-submissions', per: 'role', expect: ADMIN },
    { route: 'POST /api/v1/lead-submissions/:id/release', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('submissions') }, body: {} }) },
    { route: 'POST /api/v1/lead-submissions/:id/discard', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('submissions') }, body: {} }) },
    // pages
    { route: 'GET /leads', per: 'role', expect: DEALS, req: () => ({ query: { sort: 'created_at' } }), sees: { expect: { ...SEES_READ, support: 'nnn' }, present: linkIn('leads', 'leads') } },
    { route: 'GET /leads/new', per: 'role', expect: DEALS },
    { route: 'POST /leads', per: 'role', expect: DEALS, req: (f) => ({ body: { name: f.unique('mx-lead-page'), source: 'phone_in' } }) },
    { route: 'GET /leads/:id', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') } }) },
    { route: 'GET /leads/:id/edit', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') } }) },
    { route: 'POST /leads/:id', per: 'case', expect: DEAL, req: async (f) => ({ params: { id: f.rec('leads') }, body: { name: `mxlead-${f.owner}`, source: 'api', message: 'matrix page', version: String(await f.version('leads', f.rec('leads'))) } }) },
    { route: 'POST /leads/:id/status', per: 'case', expect: DEAL, req: async (f) => ({ params: { id: f.rec('leads') }, body: { status: 'contacted', version: String(await f.version('leads', f.rec('leads'))) } }) },
    { route: 'POST /leads/:id/convert', per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads') }, body: { allow_duplicate: 'yes' } }) },
    { route: 'POST /leads/:id/merge', per: 'case', expect: DEAL, req: async (f) => ({ params: { id: await f.fresh('leads') }, body: { merge_id: String(await f.fresh('leads', { owner: f.role })) } }) },
    { route: 'POST /leads/:id/log', per: 'case', expect: DEAL, req: (f) => ({ params: { id: f.rec('leads') }, body: { type: 'call', subject: 'matrix lead call' } }) },
    { route: 'GET /admin/leads', per: 'role', expect: ADMIN },
    { route: 'POST /admin/leads/settings', per: 'role', expect: ADMIN, req: () => ({ body: { per_address_per_hour: '1000', global_per_minute: '100000', over_limit: 'quarantine' } }) },
    { route: 'POST /admin/leads/routing-rules', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mx-rule-page'), field: 'source', op: 'eq', value: 'campaign', action: 'least_loaded' } }) },
    { route: 'POST /admin/leads/routing-rules/:id/delete', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('routingRules') }, body: {} }) },
    { route: 'POST /admin/leads/scoring-rules', per: 'role', expect: ADMIN, req: (f) => ({ body: { kind: 'field', label: f.unique('mx-score-page'), field: 'region', op: 'eq', value: 'mx', points: '1' } }) },
    { route: 'POST /admin/leads/submissions/:id/release', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('submissions') }, body: {} }) },
    { route: 'POST /admin/leads/submissions/:id/discard', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('submissions') }, body: {} }) },
    // The public form: anyone, signed in or not (the matrix's 401 check skips public routes).
    { route: 'POST /forms/lead', per: 'role', expect: ALL, req: (f) => ({ body: { name: f.unique('mx-web'), email: `${f.unique('web')}@matrix.example`, format: 'json' } }) },
  ];
}

function childRoutes(type: 'activities' | 'tasks'): Entry[] {
  const api = `/api/v1/${type}`;
  const create = (f: Fixture) => (type === 'activities' ? { type: 'call', subject: f.unique('mx-activity'), company_id: f.rec('companies', f.role) } : { title: f.unique('mx-task'), company_id: f.rec('companies', f.role) });
  const change = { activities: { subject: 'matrix change' }, tasks: { priority: 'high' } }[type];
  const pageCreate = (f: Fixture) => Object.fromEntries(Object.entries(create(f)).map(([k, v]) => [k, String(v)]));
  return [
    { route: `GET ${api}`, per: 'role', expect: RECORDS, req: () => ({ query: listQuery }), sees: { expect: SEES_READ, present: inList(type) } },
    { route: `GET ${api}/:id`, per: 'case', expect: READ, linked: LINKED_READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST ${api}`, per: 'role', expect: RECORDS, req: (f) => ({ body: create(f) }) },
    { route: `PATCH ${api}/:id`, per: 'case', expect: UPDATE, linked: LINKED_CHANGE, req: async (f) => ({ params: { id: f.rec(type) }, body: { ...change, version: await f.version(type, f.rec(type)) } }) },
    { route: `DELETE ${api}/:id`, per: 'case', expect: DELETE, linked: LINKED_CHANGE, req: async (f) => ({ params: { id: await f.fresh(type) } }) },
    { route: `GET /${type}`, per: 'role', expect: RECORDS, req: () => ({ query: listQuery }), sees: { expect: SEES_READ, present: linkIn(type, type) } },
    { route: `GET /${type}/new`, per: 'role', expect: RECORDS, req: (f) => ({ query: { company_id: f.rec('companies', f.role) } }) },
    { route: `POST /${type}`, per: 'role', expect: RECORDS, req: (f) => ({ body: pageCreate(f) }) },
    { route: `GET /${type}/:id`, per: 'case', expect: READ, linked: LINKED_READ, req: (f) => ({ params: { id: f.rec(type) } }) },
    { route: `POST /${type}/:id`, per: 'case', expect: UPDATE, linked: LINKED_CHANGE, req: async (f) => ({ params: { id: f.rec(type) }, body: { ...change, version: String(await f.version(type, f.rec(type))) } }) },
    { route: `POST /${type}/:id/delete`, per: 'case', expect: DELETE, linked: LINKED_CHANGE, req: async (f) => ({ params: { id: await f.fresh(type) }, body: {} }) },
  ];
}

export const MATRIX: Entry[] = [
  // ---- public: anyone, signed in or not ----
  { route: 'GET /assets/*', per: 'role', expect: ALL, req: () => ({ params: { '*': 'css/app.css' } }) },
  { route: 'GET /favicon.ico', per: 'role', expect: ALL },
  { route: 'GET /healthz', per: 'role', expect: ALL },
  { route: 'GET /readyz', per: 'role', expect: ALL },
  { route: 'GET /api/v1/openapi.json', per: 'role', expect: ALL },
  { route: 'GET /api/docs', per: 'role', expect: ALL },
  { route: 'POST /locale', per: 'role', expect: ALL, req: () => ({ body: { locale: 'zh-CN', next: '/' } }) },
  { route: 'GET /setup', per: 'role', expect: ALL },
  { route: 'POST /setup', per: 'role', expect: ALL, req: () => ({ body: {} }) },
  { route: 'GET /login', per: 'role', expect: ALL },
  { route: 'POST /login', per: 'role', expect: ALL, req: (f) => ({ body: { email: f.email(f.role), password: f.password } }) },
  { route: 'GET /password/:token', per: 'role', expect: ALL, req: async (f) => ({ params: { token: await f.passwordToken() } }) },
  { route: 'POST /password/:token', per: 'role', expect: ALL, req: async (f) => ({ params: { token: await f.passwordToken() }, body: { password: 'Matrix-pass-2026!' } }) },
  { route: 'POST /api/v1/auth/login', per: 'role', expect: ALL, req: (f) => ({ body: { email: f.email(f.role), password: f.password } }) },

  // ---- every signed-in user: their own session, profile, notifications ----
  { route: 'POST /logout', per: 'role', expect: ALL, req: () => ({ body: {}, throwaway: true }) },
  { route: 'POST /api/v1/auth/logout', per: 'role', expect: ALL, req: () => ({ body: {}, throwaway: true }) },
  { route: 'GET /api/v1/auth/me', per: 'role', expect: ALL },
  { route: 'PATCH /api/v1/auth/me', per: 'role', expect: ALL, req: () => ({ body: { locale: 'zh-CN' } }) },
  // A wrong current password: the 400 shows the call got past the guard without ending the shared session.
  { route: 'POST /api/v1/auth/password', per: 'role', expect: ALL, allow: [400], req: () => ({ body: { current_password: 'not-my-password', new_password: 'Another-pass-2026!' } }) },
  { route: 'GET /profile', per: 'role', expect: ALL },
  { route: 'POST /profile', per: 'role', expect: ALL, req: () => ({ body: { name: 'Matrix user', locale: 'zh-CN' } }) },
  { route: 'POST /profile/password', per: 'role', expect: ALL, allow: [400], req: () => ({ body: { current_password: 'not-my-password', new_password: 'Another-pass-2026!' } }) },
  { route: 'GET /notifications', per: 'role', expect: ALL },
  { route: 'POST /notifications/read', per: 'role', expect: ALL, req: () => ({ body: {} }) },
  { route: 'GET /api/v1/notifications', per: 'role', expect: ALL },
  { route: 'POST /api/v1/notifications/read', per: 'role', expect: ALL, req: () => ({ body: { all: true } }) },
  { route: 'GET /grades', per: 'role', expect: ALL },
  { route: 'GET /api/v1/settings/company', per: 'role', expect: ALL },
  { route: 'GET /api/v1/settings/grades', per: 'role', expect: ALL },
  {
    // My day lists the caller's own due tasks and neglected customers: only for those who may read
    // them (the service reads them by owner_id, not through the scope; the view hides them by can()).
    route: 'GET /', per: 'role', expect: ALL,
    sees: {
      expect: { admin: 'ynn', manager: 'ynn', sales: 'ynn', support: 'ynn', auditor: 'nnn' },
      present: (res, f, owner) => res.text.includes(`mxidle-${owner}`) || res.text.includes(`mxtask-${owner}`),
    },
  },
  {
    route: 'GET /search', per: 'role', expect: ALL, req: () => ({ query: { q: 'mxshared' } }),
    sees: { expect: SEES_READ, present: (res, f, owner) => res.text.includes(`href="/companies/${f.rec('companies', owner)}"`) },
  },
  { route: 'GET /api/v1/search', per: 'role', expect: ALL, req: () => ({ query: { q: 'mxshared', limit: 50 } }), sees: { expect: SEES_READ, present: searchHit } },

  // ---- saved views: private to each user ----
  { route: 'GET /api/v1/saved-views', per: 'role', expect: ALL, req: () => ({ query: { record_type: 'companies' } }) },
  { route: 'POST /api/v1/saved-views', per: 'role', expect: ALL, req: (f) => ({ body: { record_type: 'companies', name: f.unique('mx-view'), query: 'sort=name' } }) },
  { route: 'DELETE /api/v1/saved-views/:id', per: 'case', expect: PRIVATE, req: async (f) => ({ params: { id: await f.fresh('savedViews') } }) },
  { route: 'POST /saved-views', per: 'role', expect: ALL, req: (f) => ({ body: { record_type: 'companies', name: f.unique('mx-view'), query: 'sort=name' } }) },
  { route: 'POST /saved-views/:id/delete', per: 'case', expect: PRIVATE, req: async (f) => ({ params: { id: await f.fresh('savedViews') }, body: { record_type: 'companies' } }) },

  // ---- customers ----
  ...customerRoutes('companies'),
  ...customerRoutes('contacts'),
  ...childRoutes('activities'),
  ...childRoutes('tasks'),
  ...pipelineRoutes(),
  ...leadRoutes(),
  { route: 'POST /tasks/:id/done', per: 'case', expect: UPDATE, linked: LINKED_CHANGE, req: (f) => ({ params: { id: f.rec('tasks') }, body: { done: '0', back: '/tasks' } }) },

  // ---- files ----
  { route: 'GET /api/v1/activities/:id/attachments', per: 'case', expect: READ, linked: LINKED_READ, req: (f) => ({ params: { id: f.rec('activities') } }) },
  {
    route: 'POST /api/v1/activities/:id/attachments', per: 'case', expect: UPDATE, linked: LINKED_CHANGE, req: (f) => ({ params: { id: f.rec('activities') }, file: { name: 'note.txt', type: 'text/plain', content: 'matrix' } }),
  },
  { route: 'GET /api/v1/attachments/:id/content', per: 'case', expect: FILE_READ, req: (f) => ({ params: { id: f.rec('attachments') } }) },
  { route: 'GET /attachments/:id', per: 'case', expect: FILE_READ, req: (f) => ({ params: { id: f.rec('attachments') } }) },
  {
    route: 'DELETE /api/v1/attachments/:id', per: 'case', expect: FILE_DELETE, req: async (f) => ({ params: { id: await f.fresh('attachments') } }),
  },
  {
    route: 'POST /attachments/:id/delete', per: 'case', expect: FILE_DELETE, req: async (f) => ({ params: { id: await f.fresh('attachments') }, body: { back: '/companies' } }),
  },

  // ---- tags: everyone with customers reads and creates; admins rename and delete ----
  { route: 'GET /api/v1/tags', per: 'role', expect: RECORDS },
  { route: 'POST /api/v1/tags', per: 'role', expect: RECORDS, req: (f) => ({ body: { name: f.unique('mxtag') } }) },
  { route: 'PATCH /api/v1/tags/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('tags'); return { params: { id }, body: { color: '#123456', version: await f.version('tags', id) } }; } },
  { route: 'DELETE /api/v1/tags/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('tags') } }) },
  { route: 'GET /tags', per: 'role', expect: RECORDS },
  { route: 'POST /tags', per: 'role', expect: RECORDS, req: (f) => ({ body: { name: f.unique('mxtag') } }) },
  { route: 'POST /tags/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('tags'); return { params: { id }, body: { name: f.unique('mxtag'), version: String(await f.version('tags', id)) } }; } },
  { route: 'POST /tags/:id/delete', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('tags') }, body: {} }) },

  // ---- users: everyone but nobody-roles reads; admins change ----
  { route: 'GET /api/v1/users', per: 'role', expect: ALL },
  { route: 'GET /api/v1/users/:id', per: 'case', expect: ALL, req: (f) => ({ params: { id: f.rec('users') } }) },
  { route: 'POST /api/v1/users', per: 'role', expect: ADMIN, req: (f) => ({ body: { email: `${f.unique('mxuser')}@example.com`, name: 'Matrix user', role: 'sales' } }) },
  { route: 'PATCH /api/v1/users/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('users'); return { params: { id }, body: { name: 'Matrix renamed', version: await f.version('users', id) } }; } },
  { route: 'POST /api/v1/users/:id/password', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('users') }, body: { password: 'Matrix-reset-2026!' } }) },
  { route: 'POST /api/v1/users/:id/password-link', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('users') }, body: { purpose: 'reset' } }) },
  { route: 'GET /admin/users', per: 'role', expect: ALL },
  { route: 'GET /admin/users/new', per: 'role', expect: ADMIN },
  { route: 'POST /admin/users', per: 'role', expect: ADMIN, req: (f) => ({ body: { email: `${f.unique('mxuser')}@example.com`, name: 'Matrix user', role: 'sales' } }) },
  { route: 'GET /admin/users/:id', per: 'case', expect: ADMIN, req: (f) => ({ params: { id: f.rec('users') } }) },
  {
    route: 'POST /admin/users/:id', per: 'role', expect: ADMIN,
    req: async (f) => { const id = await f.fresh('users'); return { params: { id }, body: { email: `${f.unique('mxuser')}@example.com`, name: 'Matrix renamed', role: 'sales', active: '1', version: String(await f.version('users', id)) } }; },
  },
  { route: 'POST /admin/users/:id/password-link', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('users') }, body: { purpose: 'reset' } }) },
  // Handing a departing user's records over: from a fresh user, so no fixture record changes owner.
  { route: 'POST /api/v1/users/:id/handover', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('users') }, body: { to_user_id: f.bystander } }) },
  { route: 'POST /admin/users/:id/handover', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('users') }, body: { to_user_id: String(f.bystander) } }) },

  // ---- teams ----
  { route: 'GET /api/v1/teams', per: 'role', expect: TEAMS_READ },
  { route: 'GET /api/v1/teams/:id', per: 'case', expect: TEAMS_READ, req: (f) => ({ params: { id: f.rec('teams') } }) },
  { route: 'POST /api/v1/teams', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mxteam') } }) },
  { route: 'PATCH /api/v1/teams/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('teams'); return { params: { id }, body: { name: f.unique('mxteam'), version: await f.version('teams', id) } }; } },
  { route: 'DELETE /api/v1/teams/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('teams') } }) },
  { route: 'GET /admin/teams', per: 'role', expect: ADMIN },
  { route: 'POST /admin/teams', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.unique('mxteam') } }) },
  { route: 'POST /admin/teams/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('teams'); return { params: { id }, body: { name: f.unique('mxteam'), parent_id: '', version: String(await f.version('teams', id)) } }; } },

  // ---- the audit log: auditors (and admins); a record's history for whoever may read the record ----
  { route: 'GET /api/v1/audit-log', per: 'role', expect: AUDIT },
  { route: 'GET /api/v1/audit-log/export', per: 'role', expect: AUDIT },
  { route: 'GET /api/v1/audit-log/:id', per: 'role', expect: AUDIT, req: async (f) => ({ params: { id: await f.auditEntry() } }) },
  { route: 'GET /api/v1/audit-log/records/:type/:id', per: 'case', expect: HISTORY, req: (f) => ({ params: { type: 'companies', id: f.rec('companies') } }) },
  { route: 'GET /audit', per: 'role', expect: AUDIT },
  { route: 'GET /audit/entries/:id', per: 'role', expect: AUDIT, req: async (f) => ({ params: { id: await f.auditEntry() } }) },
  { route: 'GET /audit/records/:type/:id', per: 'case', expect: HISTORY, req: (f) => ({ params: { type: 'companies', id: f.rec('companies') } }) },
  // A user's sign-in history: their own for everyone, anyone's with audit.read ("own" is the caller).
  { route: 'GET /api/v1/audit-log/users/:id/sign-ins', per: 'case', expect: SIGN_INS, req: (f) => ({ params: { id: f.rec('users') } }) },
  { route: 'GET /audit/users/:id/sign-ins', per: 'case', expect: SIGN_INS, req: (f) => ({ params: { id: f.rec('users') } }) },

  // ---- roles, settings, jobs: administrators ----
  { route: 'GET /api/v1/roles', per: 'role', expect: ADMIN },
  { route: 'GET /api/v1/roles/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.roleId('sales') } }) },
  { route: 'POST /api/v1/roles', per: 'role', expect: ADMIN, req: (f) => ({ body: { key: f.unique('mxrole').replace('-', '_'), name: 'Matrix role', permissions: { resources: { companies: { read: 'own' } }, flags: [] } } }) },
  { route: 'PATCH /api/v1/roles/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('roles'); return { params: { id }, body: { name: 'Matrix renamed', version: await f.version('roles', id) } }; } },
  { route: 'DELETE /api/v1/roles/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('roles') } }) },
  { route: 'GET /admin/roles', per: 'role', expect: ADMIN },
  { route: 'GET /admin/roles/new', per: 'role', expect: ADMIN, req: async (f) => ({ query: { copy: await f.roleId('sales') } }) },
  { route: 'POST /admin/roles', per: 'role', expect: ADMIN, req: (f) => ({ body: { key: f.unique('mxrole').replace('-', '_'), name: 'Matrix role', 'p.companies.read': 'own' } }) },
  { route: 'GET /admin/roles/:id', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.roleId('sales') } }) },
  { route: 'POST /admin/roles/:id', per: 'role', expect: ADMIN, req: async (f) => { const id = await f.fresh('roles'); return { params: { id }, body: { name: 'Matrix renamed', 'p.contacts.read': 'own', version: String(await f.version('roles', id)) } }; } },
  { route: 'POST /admin/roles/:id/delete', per: 'role', expect: ADMIN, req: async (f) => ({ params: { id: await f.fresh('roles') }, body: {} }) },
  // "Why can this user see this record": for whoever reads roles, about any user and record.
  { route: 'GET /api/v1/access/explain', per: 'case', expect: ADMIN, req: (f) => ({ query: { user_id: f.rec('users', 'sales'), record_type: 'companies', record_id: f.rec('companies') } }) },
  { route: 'GET /admin/access/why', per: 'case', expect: ADMIN, req: (f) => ({ query: { user_id: f.rec('users', 'sales'), record_type: 'companies', record_id: f.rec('companies') } }) },
  { route: 'PATCH /api/v1/settings/company', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.company.name } }) },
  { route: 'PUT /api/v1/settings/grades', per: 'role', expect: ADMIN, req: (f) => ({ body: f.grades }) },
  { route: 'GET /admin/settings', per: 'role', expect: ADMIN },
  { route: 'POST /admin/settings', per: 'role', expect: ADMIN, req: (f) => ({ body: { name: f.company.name, timezone: f.company.timezone, currency: f.company.currency, locale: f.company.locale } }) },
  {
    route: 'POST /admin/settings/grades', per: 'role', expect: ADMIN,
    req: (f) => ({ body: Object.fromEntries(Object.entries(f.grades).flatMap(([g, r]) => [[`${g}_days`, String(r.days)], [`${g}_rule`, r.rule]])) }),
  },
  { route: 'GET /api/v1/jobs', per: 'role', expect: ADMIN },
  { route: 'POST /api/v1/jobs/:name/run', per: 'role', expect: ADMIN, allow: [409], req: () => ({ params: { name: 'sessions.purge' }, body: {} }) },
  { route: 'GET /admin/jobs', per: 'role', expect: ADMIN },
  { route: 'POST /admin/jobs/:name/run', per: 'role', expect: ADMIN, req: () => ({ params: { name: 'sessions.purge' }, body: {} }) },
  // Backups and the status page: administrators (settings.update). The download's 404 (no such archive
  // in the fixture) still proves the guard let the admin through.
  { route: 'GET /api/v1/backups', per: 'role', expect: ADMIN },
  { route: 'POST /api/v1/backups', per: 'role', expect: ADMIN, allow: [409], req: () => ({ body: {} }) },
  { route: 'GET /api/v1/backups/:name', per: 'role', expect: ADMIN, allow: [404], req: () => ({ params: { name: 'kehu-backup-20261125T000000Z-0.1.0.tar.gz' } }) },
  { route: 'GET /api/v1/system/status', per: 'role', expect: ADMIN },
  { route: 'GET /admin/backups', per: 'role', expect: ADMIN },
  { route: 'POST /admin/backups', per: 'role', expect: ADMIN, req: () => ({ body: {} }) },
  { route: 'GET /admin/status', per: 'role', expect: ADMIN },
  // The license: administrators read and install it (the same generous test license again).
  { route: 'GET /api/v1/license', per: 'role', expect: ADMIN },
  { route: 'PUT /api/v1/license', per: 'role', expect: ADMIN, req: () => ({ body: { license: GENEROUS_TEST_LICENSE } }) },
  { route: 'GET /admin/license', per: 'role', expect: ADMIN },
  { route: 'POST /admin/license', per: 'role', expect: ADMIN, req: () => ({ body: { license: JSON.stringify(GENEROUS_TEST_LICENSE) } }) },
];
