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
import { createContactsService } from './modules/contacts';

export function createServices(core: Core) {
  const roles = createRolesService(core);
  const teams = createTeamsService(core);
  const sessions = createSessionsService(core);
  const settings = createSettingsService(core);
  const users = createUsersService(core, { roles, teams, sessions });
  const auth = createAuthService(core, { users, sessions });
  const setup = createSetupService(core, { users, settings, sessions });
  const companies = createCompaniesService(core);
  const contacts = createContactsService(core);
  return { roles, teams, sessions, settings, users, auth, setup, companies, contacts };
}
export type Services = ReturnType<typeof createServices>;
