// Runs the sealer in the background: every process tries, the lease lets one at a time seal.
import os from 'node:os';
import type { Core } from '../core';
import { releaseLease, tryAcquireLease } from '../db/leases';
import { sealAll } from './sealer';

const LEASE = 'audit.sealer';

export function startSealer(core: Core): () => Promise<void> {
  const holder = `${os.hostname()}#${process.pid}#${Math.random().toString(36).slice(2, 8)}`;
  const interval = core.config.audit.sealIntervalMs;
  let running: Promise<void> | null = null;
  let stopped = false;

  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      if (await tryAcquireLease(core.db.knex, core.clock, LEASE, holder, Math.max(10_000, interval * 5))) await sealAll(core.db.knex);
    })()
      .catch((err) => core.log.error({ err }, 'audit sealing failed; will retry'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, interval);
  timer.unref();
  tick();

  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    await releaseLease(core.db.knex, LEASE, holder).catch(() => undefined);
  };
}
