// "Recently viewed": the last ten customer pages a browser opened, kept in a cookie
// ("companies:12,contacts:5"), so looking at a record never writes to the database.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const RECENT_COOKIE = 'kehu_recent';
const MAX = 10;

export interface RecentRef {
  type: 'companies' | 'contacts';
  id: number;
}

export function readRecent(req: FastifyRequest): RecentRef[] {
  const raw = req.cookies[RECENT_COOKIE] ?? '';
  const out: RecentRef[] = [];
  for (const part of raw.split(',')) {
    const m = /^(companies|contacts):([1-9][0-9]{0,9})$/.exec(part.trim());
    if (m && !out.some((r) => r.type === m[1] && r.id === Number(m[2]))) out.push({ type: m[1] as RecentRef['type'], id: Number(m[2]) });
    if (out.length === MAX) break;
  }
  return out;
}

/** Puts a record first in the cookie (once), keeping at most ten. */
export function rememberRecent(req: FastifyRequest, reply: FastifyReply, ref: RecentRef): void {
  const list = [ref, ...readRecent(req).filter((r) => !(r.type === ref.type && r.id === ref.id))].slice(0, MAX);
  reply.setCookie(RECENT_COOKIE, list.map((r) => `${r.type}:${r.id}`).join(','), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.server.core.config.baseUrl.startsWith('https:'),
    maxAge: 90 * 24 * 3600,
  });
}
