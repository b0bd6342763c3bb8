// Drives one server: a closed loop with N connections through autocannon (programmatic API), or a
// fixed offered rate, evenly paced, by its own open-loop client (drivePaced below). Records every
// response time itself, so p50/p95/p99 are exact (autocannon's own summary has no p95), and counts
// errors and non-2xx answers.
import http from 'node:http';
import { Rng } from '../data/rng';

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Relative frequency among a scenario's variants (default 1). */
  weight?: number;
  label?: string;
}

export interface DriveOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Requests per second offered in total, evenly paced over at most `connections` keep-alive connections; closed loop when absent. */
  rate?: number;
  /** Sent with every request (authentication, Accept). */
  headers: Record<string, string>;
  /** One request, or variants drawn at random (seeded) per request. */
  requests: BenchRequest[];
  seed: number;
  /**
   * Take the variants in order from `next` (advanced as requests are made, so successive drives
   * continue where the last one stopped) instead of at random: for writes that are valid once each
   * (a move at a record's current version).
   */
  sequence?: { next: number };
}

export interface DriveResult {
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCounts: Record<string, number>;
  bytesPerResponse: number;
  /** Every response time (ms), sorted. */
  latencies: Float64Array;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  statusCodeStats: Record<string, { count: number }>;
  totalBytes?: number;
  throughput: { total: number };
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  stop(): void;
}

type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
// autocannon ships no types; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: Autocannon = require('autocannon');

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Picks each request's variant: in order from `sequence`, or at random by weight (seeded). */
function variantPicker(options: DriveOptions): () => BenchRequest {
  if (options.requests.length === 1) return () => options.requests[0];
  const seq = options.sequence;
  if (seq) return () => options.requests[seq.next++ % options.requests.length];
  const rng = Rng.derive(options.seed, 'requests');
  const weights = options.requests.map((r) => r.weight ?? 1);
  return () => rng.weighted(options.requests, weights);
}

/**
 * A fixed offered rate, evenly paced: request k is due at start + k / rate, goes out on a free
 * keep-alive connection (at most `connections`; when all are busy it waits for one, as a browser's
 * pool would), and its time counts from when it was due, so a server that falls behind is charged
 * for the wait (no coordinated omission). autocannon's overallRate is not this: each connection sends
 * its per-second quota back to back whenever its one-second timer resets, so 200/s over 50
 * connections arrives as a burst of 200 at the top of every second and is queued as one.
 */
async function drivePaced(options: DriveOptions & { rate: number }): Promise<DriveResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const pick = variantPicker(options);
  const total = Math.round(options.rate * options.durationS);
  const latencies = new Float64Array(total);
  const statusCounts: Record<string, number> = {};
  let answered = 0;
  let bytes = 0;
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  const one = (v: BenchRequest, due: number) => new Promise<void>((resolve) => {
    const headers: Record<string, string | number> = { ...options.headers, ...v.headers };
    if (v.body !== undefined) headers['content-length'] = Buffer.byteLength(v.body);
    const req = http.request({ host: url.hostname, port: url.port, path: v.path, method: v.method, agent, headers }, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => (size += chunk.length));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (status < 200 || status > 299) non2xx++;
        latencies[answered++] = performance.now() - due;
        bytes += size;
        resolve();
      });
    });
    let timedOut = false;
    req.setTimeout(30_000, () => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    });
    req.on('error', () => {
      if (timedOut) timeouts++;
      else errors++;
      resolve();
    });
    req.end(v.body);
  });
  const start = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(one(pick(), due));
  }
  await Promise.all(inflight);
  agent.destroy();
  const durationS = (performance.now() - start) / 1000;
  return summarise([{ durationS: Math.max(durationS, options.durationS), requests: answered, errors, timeouts, non2xx, statusCounts, bytes, latencies: latencies.slice(0, answered) }]);
}

export async function drive(options: DriveOptions): Promise<DriveResult> {
  if (!options.requests.length) throw new Error('nothing to request');
  if (options.rate) return drivePaced({ ...options, rate: options.rate });
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let bytes = 0;
  const opts: Record<string, unknown> = {
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    timeout: 30,
    headers: options.headers,
  };
  if (options.requests.length === 1) {
    // A fixed request: autocannon encodes it once.
    const r = options.requests[0];
    opts.requests = [{ method: r.method, path: r.path, body: r.body, headers: { ...options.headers, ...r.headers } }];
  } else {
    const pick = variantPicker(options);
    opts.requests = [{
      setupRequest: (req: Record<string, unknown>) => {
        const v = pick();
        return { ...req, method: v.method, path: v.path, body: v.body, headers: { ...options.headers, ...v.headers } };
      },
    }];
  }
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, _status, resBytes, responseTime) => {
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = responseTime;
      bytes += resBytes;
    });
  });
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
  return summarise([{ durationS: result.duration, requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statusCounts, bytes, latencies: latencies.slice(0, n) }]);
}

interface Slice {
  durationS: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCounts: Record<string, number>;
  bytes: number;
  latencies: Float64Array;
}

function summarise(slices: Slice[]): DriveResult {
  const n = slices.reduce((a, s) => a + s.latencies.length, 0);
  const sorted = new Float64Array(n);
  let at = 0;
  for (const s of slices) {
    sorted.set(s.latencies, at);
    at += s.latencies.length;
  }
  sorted.sort();
  const sum = (f: (s: Slice) => number) => slices.reduce((a, s) => a + f(s), 0);
  const statusCounts: Record<string, number> = {};
  for (const s of slices) for (const [k, v] of Object.entries(s.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  const durationS = sum((s) => s.durationS);
  const requests = sum((s) => s.requests);
  const bytes = sum((s) => s.bytes);
  return {
    durationS,
    requests,
    rps: durationS > 0 ? requests / durationS : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1] : 0,
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    non2xx: sum((s) => s.non2xx),
    statusCounts,
    bytesPerResponse: n ? bytes / n : 0,
    latencies: sorted,
  };
}

/** Several measurements of one server taken as one (requests over total time, pooled latencies). */
export function combine(results: DriveResult[]): DriveResult {
  return summarise(results.map((r) => ({ ...r, bytes: r.bytesPerResponse * r.latencies.length })));
}
