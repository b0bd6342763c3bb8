// Bench "generator" for first-run setup: writes the company settings and marks setup done through
// the product's own code (settings repository + setup.completeWithDefaults), so the app behaves
// exactly as after a real setup (and the audit log records it).
import type { GenContext, TableGenerator } from './types';

async function afterLoad(ctx: GenContext): Promise<void> {
  const admin = ctx.refs.users?.find((u) => u.role === 'admin');
  const company = ctx.refs.company;
  if (!admin || !company) throw new Error('the setup generator needs the users and teams generators first');
  const { settings, setup } = ctx.services;
  const at = ctx.core.clock.now().toISOString();
  await ctx.knex.transaction(async (trx) => {
    await settings.repo.set(trx, 'company', { name: company.name, timezone: 'Asia/Shanghai', currency: 'CNY', locale: 'zh-CN' }, at, admin.id);
    await setup.completeWithDefaults(trx, admin.id, { ip: '127.0.0.1', userAgent: 'kehu-bench', requestId: null });
  });
}

const setup: TableGenerator = {
  name: 'setup',
  summary: "the 'company' and 'setup' settings, through the product's setup code",
  tables: [],
  dependsOn: ['users'],
  generate: () => [],
  afterLoad,
};
export default setup;
