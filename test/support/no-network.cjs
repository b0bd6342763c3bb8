// Test preload (node --require): no network. Every outbound socket and every DNS lookup is refused
// and reported on stderr as "NETWORK ATTEMPT …", except connections to the addresses listed in
// KEHU_TEST_ALLOW_CONNECT ("host:port,…": the test's own Postgres). Unix sockets are local.
const net = require('node:net');
const dns = require('node:dns');

const allowed = new Set((process.env.KEHU_TEST_ALLOW_CONNECT || '').split(',').filter(Boolean));

function targetOf(args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // net.connect() passes its normalized [options, callback]
  if (a && typeof a === 'object') return a.path ? null : `${a.host || 'localhost'}:${a.port}`;
  if (typeof a === 'number' || /^\d+$/.test(String(a))) return `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${a}`;
  return null; // a unix socket path
}

function refuse(what) {
  process.stderr.write(`NETWORK ATTEMPT ${what}\n`);
  return new Error(`network access refused by the test (${what})`);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(...args) {
  const target = targetOf(args);
  if (target !== null && !allowed.has(target)) {
    const err = refuse(`connect ${target}`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  const original = dns[name];
  dns[name] = function patchedLookup(host, ...rest) {
    if (allowed.size && [...allowed].some((a) => a.startsWith(`${host}:`))) return original.call(dns, host, ...rest);
    const cb = rest.find((r) => typeof r === 'function');
    const err = refuse(`dns ${name} ${host}`);
    if (cb) process.nextTick(() => cb(err));
    else throw err;
  };
  if (dns.promises[name]) {
    const p = dns.promises[name];
    dns.promises[name] = async (host, ...rest) => {
      if (allowed.size && [...allowed].some((a) => a.startsWith(`${host}:`))) return p.call(dns.promises, host, ...rest);
      throw refuse(`dns ${name} ${host}`);
    };
  }
}
