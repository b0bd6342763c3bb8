// Scenario login-page: GET /login as an anonymous visitor (setup check, CSRF token, Handlebars page).
import type { Scenario } from './types';

const loginPage: Scenario = {
  name: 'login-page',
  kind: 'page',
  summary: 'GET /login, anonymous (HTML)',
  role: null,
  async prepare() {
    return { headers: { accept: 'text/html' }, requests: [{ method: 'GET', path: '/login' }] };
  },
};
export default loginPage;
