// A tiny browser over app.inject for page tests: keeps cookies, asks for HTML, and posts forms
// (and multipart uploads) with the CSRF token read from the last page's meta tag.
import type { FastifyInstance, InjectOptions } from 'fastify';

/** Signed in with a page session token (see tokenFor in src/plugins/auth). */
export function browser(app: FastifyInstance, sessionToken: string) {
  const jar = new Map<string, string>([['kehu_session', sessionToken]]);
  let csrf = '';
  async function request(options: InjectOptions) {
    const res = await app.inject({ ...options, headers: { accept: 'text/html', ...(options.headers ?? {}) }, cookies: Object.fromEntries(jar) });
    for (const c of res.cookies as Array<{ name: string; value: string }>) jar.set(c.name, c.value);
    const meta = /<meta name="csrf-token" content="([^"]+)"/.exec(res.body);
    if (meta) csrf = meta[1];
    return { status: res.statusCode, headers: res.headers, text: res.body, location: String(res.headers.location ?? '') };
  }
  return {
    jar,
    get: (url: string) => request({ method: 'GET', url }),
    async post(url: string, fields: Record<string, string | string[]> = {}) {
      if (!csrf) await request({ method: 'GET', url: '/' });
      const body = new URLSearchParams();
      body.append('_csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
      return request({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
    },
    async upload(url: string, fileName: string, content: Buffer) {
      if (!csrf) await request({ method: 'GET', url: '/' });
      const boundary = `----kehu${Date.now()}`;
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/plain\r\n\r\n`),
        content,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return request({ method: 'POST', url: `${url}?_csrf=${encodeURIComponent(csrf)}`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    },
  };
}


/** Undoes Handlebars' HTML escaping. */
export const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
/** The value of a hidden form field in a page. */
export const hidden = (html: string, name: string) => decode(new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '');
