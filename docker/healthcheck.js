// The container's HEALTHCHECK: healthy when GET /readyz answers 200 (database answers, no pending
// migration). Reads the same KEHU_* variables as Kehu: port, host, and https when Kehu holds the
// certificate itself (the certificate is not checked here: it names the public host, not 127.0.0.1).
'use strict';
const http = require('node:http');
const https = require('node:https');

const port = Number(process.env.KEHU_PORT || 3000);
const bound = process.env.KEHU_HOST || '0.0.0.0';
const host = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
const tls = Boolean(process.env.KEHU_TLS_CERT_FILE);
const client = tls ? https : http;

const req = client.get({ host, port, path: '/readyz', timeout: 4000, rejectUnauthorized: false, agent: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  process.stderr.write(`readyz: ${err.message}\n`);
  process.exit(1);
});
