// Scenario home: GET / with the session cookie of a sales rep signed in through the sign-in page
// (session lookup, permissions, Handlebars layout and home page).
import type { Scenario } from './types';

const home: Scenario = {
  name: 'home',
  kind: 'page',
  summary: 'GET / with the session cookie, Accept: text/html; sales rep (HTML)',
  role: 'sales',
  async prepare(ctx) {
    const cookie = await ctx.signInPage('sales');
    return { headers: { cookie, accept: 'text/html' }, requests: [{ method: 'GET', path: '/' }] };
  },
};
export default home;
