// The registry of bench scenarios, in the order `all` runs them. A feature issue adds its
// scenario module here (e.g. companies-list, contact-create).
import type { Scenario } from './types';
import loginPage from './login-page';
import home from './home';
import apiMe from './api-me';
import apiUsers from './api-users';
import signIn from './sign-in';
import { contactsList, contactsListManager } from './contacts-list';
import search from './search';
import company360 from './company-360';
import { createActivity, createActivity200, writesUnderReads } from './create-activity';
import officeDay from './office-day';
import { boardManagerTeam, boardRep, dealMove200 } from './pipeline';

export const SCENARIOS: readonly Scenario[] = [loginPage, home, apiMe, apiUsers, signIn, contactsList, contactsListManager, search, company360, createActivity, createActivity200, writesUnderReads, officeDay, boardRep, boardManagerTeam, dealMove200];

/** The scenario the Growth table runs at several data sizes. */
export const GROWTH_SCENARIO = 'api-users';

/** The scenarios the customer Growth table runs at several contact counts (--contact-sizes). */
export const CUSTOMER_GROWTH_SCENARIOS = ['contacts-list', 'contacts-list-manager', 'search'];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
