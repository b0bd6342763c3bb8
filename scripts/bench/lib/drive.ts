// Drives one server with autocannon (programmatic API): closed loop with N connections, or a fixed
// offered rate (overallRate). Records every response time itself, so p50/p95/p99 are exact
// (autocannon's own summary has no p95), and counts errors and non-2xx answers.
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
  /** Requests per second offered in total (autocannon overallRate); closed loop when absent. */
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

export async function drive(options: DriveOptions): Promise<DriveResult> {
  if (!options.requests.length) throw new Error('nothing to request');
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
  if (options.rate) opts.overallRate = options.rate;
  if (options.requests.length === 1) {
    // A fixed request: autocannon encodes it once.
    const r = options.requests[0];
    opts.requests = [{ method: r.method, path: r.path, body: r.body, headers: { ...options.headers, ...r.headers } }];
  } else if (options.sequence) {
    const seq = options.sequence;
    opts.requests = [{
      setupRequest: (req: Record<string, unknown>) => {
        const v = options.requests[seq.next++ % options.requests.length];
        return { ...req, method: v.method, path: v.path, body: v.body, headers: { ...options.headers, ...v.headers } };
      },
    }];
  } else {
    const rng = Rng.derive(options.seed, 'requests');
    const weights = options.requests.map((r) => r.weight ?? 1);
    opts.requests = [{
      setupRequest: (req: Record<string, unknown>) => {
        const v = rng.weighted(options.requests, weights);
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
