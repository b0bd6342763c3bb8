// Attachments: upload to a record, size limit, download only for those who may see the record,
// risky types always downloaded, removal audited.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { apiClient, buildTestApp, call, createUser, setupAdmin } from '../../helper';

function multipart(fileName: string, content: Buffer, mime = 'application/octet-stream') {
  const boundary = '----kehu' + Math.random().toString(16).slice(2);
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${mime}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

t.test('upload, download, scope, limit, removal', async (t) => {
  const { app, db } = await buildTestApp(t, { overrides: { attachments: { maxBytes: 4096 } } });
  const { token } = await setupAdmin(app);
  const rep = await createUser(app, token, 'sales');
  const other = await createUser(app, token, 'sales');
  const contact = (await apiClient(app, rep.token).post('/api/v1/contacts', { name: '名片' })).body.data;
  const auth = (tok: string) => ({ authorization: `Bearer ${tok}` });

  const card = Buffer.from('pretend this is a photo of a business card');
  const body = multipart('名片 正面.jpg', card, 'image/jpeg');
  const up = await call(app, { method: 'POST', url: `/api/v1/contacts/${contact.id}/attachments`, payload: body.payload, headers: { ...body.headers, ...auth(rep.token) } });
  t.equal(up.status, 201, up.text);
  const att = up.body.data;
  t.equal(att.file_name, '名片 正面.jpg');
  t.equal(att.size, card.length);
  const stored = path.join(db.dataDir, 'attachments', att.sha256.slice(0, 2), att.sha256);
  t.same(fs.readFileSync(stored), card, 'stored in the data directory by content hash');
  t.equal(fs.statSync(stored).mode & 0o777, 0o600, 'readable by the server user only');

  const down = await call(app, { method: 'GET', url: `/api/v1/attachments/${att.id}/content`, headers: auth(rep.token) });
  t.equal(down.status, 200);
  t.equal(down.text, card.toString());
  t.match(String(down.headers['content-disposition']), /filename\*=UTF-8''%E5%90%8D%E7%89%87/);
  t.equal((await call(app, { method: 'GET', url: `/api/v1/attachments/${att.id}/content`, headers: auth(other.token) })).status, 404, 'not for someone who cannot see the contact');
  const otherUp = await call(app, { method: 'POST', url: `/api/v1/contacts/${contact.id}/attachments`, payload: body.payload, headers: { ...body.headers, ...auth(other.token) } });
  t.equal(otherUp.status, 404, 'nor can they attach to it');

  const html = multipart('x.html', Buffer.from('<script>alert(1)</script>'), 'text/html');
  const htmlUp = (await call(app, { method: 'POST', url: `/api/v1/contacts/${contact.id}/attachments`, payload: html.payload, headers: { ...html.headers, ...auth(rep.token) } })).body.data;
  const htmlDown = await call(app, { method: 'GET', url: `/api/v1/attachments/${htmlUp.id}/content`, headers: auth(rep.token) });
  t.equal(htmlDown.headers['content-type'], 'application/octet-stream', 'HTML is never served as a page');
  t.match(String(htmlDown.headers['content-disposition']), /^attachment;/);

  const big = multipart('big.bin', Buffer.alloc(5000, 1));
  const tooBig = await call(app, { method: 'POST', url: `/api/v1/contacts/${contact.id}/attachments`, payload: big.payload, headers: { ...big.headers, ...auth(rep.token) } });
  t.equal(tooBig.status, 413, tooBig.text);
  t.equal(Number((await app.core.db.knex('attachments').count({ n: '*' }).first())!.n), 2, 'no row for the refused file');
  const leftovers = fs.readdirSync(path.join(db.dataDir, 'attachments')).filter((f) => f.startsWith('.upload-'));
  t.same(leftovers, [], 'no temporary file left behind');

  const list = (await apiClient(app, rep.token).get(`/api/v1/contacts/${contact.id}/attachments`)).body.data;
  t.equal(list.length, 2);
  const timeline = (await apiClient(app, rep.token).get(`/api/v1/contacts/${contact.id}/timeline`)).body.data;
  t.equal(timeline.filter((i: { kind: string }) => i.kind === 'attachments').length, 2, 'files appear on the timeline');
  t.equal((await apiClient(app, rep.token).delete(`/api/v1/attachments/${att.id}`)).status, 204);
  t.equal((await call(app, { method: 'GET', url: `/api/v1/attachments/${att.id}/content`, headers: auth(rep.token) })).status, 404);
});
