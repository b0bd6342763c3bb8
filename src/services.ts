// Builds every service from the core, in dependency order. Pages, the API, jobs and the CLI
// all call these; none of them reaches a repository directly.
import type { Core } from './core';
import { createRolesService } from './modules/roles';
import { createTeamsService } from './modules/teams';
import { createSessionsService } from './modules/sessions';
import { createUsersService } from './modules/users';
import { createAuthService } from './modules/auth';
import { createSettingsService } from './modules/settings';
import { createSetupService } from './modules/setup';
import { createCompaniesService } from './modules/companies';
import { createPipelinesService } from './modules/pipelines';
import { createDealsService } from './modules/deals';
import { createLeadsService } from './modules/leads';
import { createWebLeadsService } from './modules/leads/web-leads.service';
import { createContactsService } from './modules/contacts';
import { createTasksService } from './modules/tasks';
import { createActivitiesService } from './modules/activities';
import { createTimelineService } from './modules/timeline';
import { createNotificationsService } from './modules/notifications';
import { createSearchService } from './modules/search';
import { createTagsService } from './modules/tags';
import { createAttachmentsService } from './modules/attachments';
import { createSavedViewsService } from './modules/saved-views';
import { createMyDayService } from './modules/home/myday.service';
import { createAuditLogService } from './modules/audit';
import { createBackupsService } from './backup/service';
import { createLicenseService, type LicenseServiceOptions } from './modules/license';
import { createSharesService } from './modules/shares';
import { createWhyService } from './modules/access';
import { createHandoverService } from './modules/records/handover';
import { createRecordExport } from './modules/records/record-export';
import { COMPANY_COLUMNS } from './modules/companies/companies.schemas';
import { CONTACT_COLUMNS } from './modules/contacts/contacts.schemas';

/** `license`: the key licenses are verified with and an optional bundled license (tests); the built-in vendor key otherwise. */
export function createServices(core: Core, options: { license?: LicenseServiceOptions } = {}) {
  const roles = createRolesService(core);
  const teams = createTeamsService(core);
  const sessions = createSessionsService(core);
  const settings = createSettingsService(core);
  const notifications = createNotificationsService(core);
  const license = createLicenseService(core, { notifications, settings }, options.license);
  const users = createUsersService(core, { roles, teams, sessions, license });
  const auth = createAuthService(core, { users, sessions });
  const setup = createSetupService(core, { users, settings, sessions });
  const companies = createCompaniesService(core);
  const contacts = createContactsService(core);
  const pipelines = createPipelinesService(core);
  const deals = createDealsService(core, { pipelines, companies, settings });
  const tasks = createTasksService(core);
  const activities = createActivitiesService(core, { tasks });
  const leads = createLeadsService(core, { companies, contacts, deals, notifications, tasks, settings });
  const webLeads = createWebLeadsService(core, { leads });
  const timeline = createTimelineService(core);
  const search = createSearchService(core);
  const tags = createTagsService(core);
  const attachments = createAttachmentsService(core);
  const savedViews = createSavedViewsService(core);
  const myDay = createMyDayService(core, { tasks, settings });
  const auditLog = createAuditLogService(core, { settings });
  const backups = createBackupsService(core);
  const shares = createSharesService(core, { notifications });
  const why = createWhyService(core, { sessions });
  const handover = createHandoverService(core, { notifications });
  const exports = {
    companies: createRecordExport(core, companies, { columns: COMPANY_COLUMNS }),
    contacts: createRecordExport(core, contacts, { columns: CONTACT_COLUMNS, references: { company_id: companies } }),
  };
  return { roles, teams, sessions, settings, users, auth, setup, companies, contacts, pipelines, deals, leads, webLeads, tasks, activities, timeline, notifications, search, tags, attachments, savedViews, myDay, shares, why, handover, exports, auditLog, license, backups };
}
export type Services = ReturnType<typeof createServices>;
