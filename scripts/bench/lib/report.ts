// Writes BENCHMARKS.md: each database has a section between <!-- bench:<db>:start --> and
// <!-- bench:<db>:end --> that the harness regenerates from its data (kept inside the section as a
// JSON comment, so a run of one scenario updates that scenario and keeps the others). Everything
// outside the markers is hand-written and preserved.
import fs from 'node:fs';
import path from 'node:path';
import { rootDir } from '../../../src/lib/paths';
import type { Dialect } from '../../../src/db/database';
import type { ScenarioKind } from '../scenarios/types';

/** BENCHMARKS.md of this tree, or KEHU_BENCH_REPORT_FILE (a run from an exported tree reports into the checkout's). */
export const BENCHMARKS_FILE = process.env.KEHU_BENCH_REPORT_FILE ?? path.join(rootDir, 'BENCHMARKS.md');

export interface RunInfo {
  date: string;
  commit: string;
  machine: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Kehu and the ceiling took turns in this many slices. */
  rounds: number;
  /** Offered rate (requests/s) when not closed-loop. */
  rate: number | null;
  users: number;
  logLevel: string;
  /** Customer data size (contacts) the run used, when it had customers. */
  contacts?: number;
}

export interface Measured {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  peakRssMb: number;
  ceilingRps: number;
  ceilingP99: number;
  ratio: number;
  target: number;
  verdict: 'PASS' | 'MISS';
  loadAverage: number;
  bodyBytes: number;
  serverErrors: number;
  /** Kehu's own CPU time (user + system) per request, ms; the database server's is not included. */
  cpuMsPerRequest: number;
  ceilingCpuMsPerRequest: number;
  /** The scenario's absolute p95 target (ms), if it has one. */
  p95TargetMs?: number;
  /** The background load driven alongside (its own latencies), if any. */
  background?: { label: string; offered: number; rps: number; p50: number; p95: number; p99: number; errors: number; non2xx: number };
}

export interface ScenarioResult extends Measured {
  scenario: string;
  summary: string;
  kind: ScenarioKind;
  run: RunInfo;
}

export interface ColdStart {
  date: string;
  commit: string;
  machine: string;
  users: number;
  runsMs: number[];
  medianMs: number;
  startupMs: number[];
}

export interface GrowthRow extends Measured {
  users: number;
  dataLoadMs: number;
}

export interface Growth {
  run: RunInfo;
  scenario: string;
  rows: GrowthRow[];
}

/** List and search at several customer data sizes (contacts). */
export interface CustomerGrowth {
  run: RunInfo;
  rows: Array<Measured & { scenario: string; contacts: number; dataLoadMs: number | null }>;
}

export interface DataLoad {
  users: number;
  seed: number;
  tables: Array<{ table: string; rows: number; rowsPerSecond: number }>;
}

export interface SectionData {
  scenarios: Record<string, ScenarioResult>;
  order: string[];
  coldStart?: ColdStart;
  growth?: Growth;
  customerGrowth?: CustomerGrowth;
  dataLoad?: DataLoad;
}

const TITLES: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'Postgres 15' };

const markers = (db: Dialect) => ({ start: `<!-- bench:${db}:start -->`, end: `<!-- bench:${db}:end -->` });

const TEMPLATE = `<!-- Kehu's benchmark figures (sections between bench markers are written by scripts/bench/run.ts) and the hand-written analysis of what limits them. -->
# Kehu benchmarks

The sections between \`bench:…:start\` and \`bench:…:end\` markers are written by the harness
(\`npm run bench -- all --db sqlite\`, \`npm run bench -- all --db postgres\`); everything else is
hand-written and kept. See scripts/bench/README.md.

<!-- bench:sqlite:start -->
<!-- bench:sqlite:end -->

<!-- bench:postgres:start -->
<!-- bench:postgres:end -->

## What limits each scenario and what would move it

(Written by hand after reading the figures above.)
`;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

/** Ceiling CPU per request over Kehu's: the ratio with the scheduler's share taken out. */
const cpuRatio = (m: Measured) => (m.cpuMsPerRequest > 0 ? m.ceilingCpuMsPerRequest / m.cpuMsPerRequest : 0);

const HEADER = '| date | commit | machine | connections | duration | rps | p50 ms | p95 ms | p99 ms | errors / non-2xx | peak RSS | ceiling rps | ratio | target | verdict |';
const RULE = '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|';

function load(m: Measured): string {
  return `${m.errors} / ${m.non2xx}`;
}

/** The target as judged: a share of the ceiling, or (at a fixed offered rate) keeping up with it. */
function targetText(m: Measured, run: RunInfo): string {
  return run.rate ? `≥ ${int(run.rate * 0.95)} rps (offered ${int(run.rate)})` : `≥ ${pct(m.target)}`;
}

/** Whether the absolute p95 target was met (no answers at all is a miss). */
export function p95Met(m: Measured): boolean {
  return m.p95TargetMs !== undefined && m.requests > 0 && m.errors + m.non2xx <= Math.max(1, m.requests * 0.001) && m.p95 < m.p95TargetMs;
}

/** The absolute p95 target as judged (the issue that set it), or a dash. */
function p95Text(m: Measured): string {
  if (!m.p95TargetMs) return '–';
  return `${ms(m.p95)} / < ${m.p95TargetMs} ms ${p95Met(m) ? 'PASS' : '**MISS**'}`;
}

function scenarioRow(r: ScenarioResult): string {
  const run = r.run;
  return `| ${run.date.slice(0, 16).replace('T', ' ')} UTC | ${run.commit} | ${run.machine} | ${run.connections} | ${run.durationS} s | ${int(r.rps)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${load(r)} | ${int(r.peakRssMb)} MB | ${int(r.ceilingRps)} | ${pct(r.ratio)} | ${targetText(r, run)} | **${r.verdict}** |`;
}

export function renderSection(db: Dialect, data: SectionData): string {
  const lines: string[] = [`## ${TITLES[db]} (written by the harness)`, ''];
  const ordered = data.order.filter((n) => data.scenarios[n]);
  if (ordered.length) {
    const runs = ordered.map((n) => data.scenarios[n].run);
    const first = runs[0];
    lines.push(
      `Closed loop unless an offered rate is shown; ${first.warmupS} s warm-up of each server first (not counted); Kehu runs as \`node dist/src/main.js serve\` with its production defaults (log level ${first.logLevel}, jobs on) except scheduled backups (off, so a missed nightly backup cannot run during a measurement), ${first.users} generated users. ` +
        `The ceiling is a bare Fastify process answering the same requests with the same response bodies (bytes, content type, status), driven with the same settings; Kehu and the ceiling take turns in ${first.rounds ?? 1} slices (K C, C K ...) so that both see the same background load. ` +
        '**Other work shares these 2 cores, so absolute figures are noisy: trust the ratio to the ceiling measured in the same run.**',
      '',
    );
    lines.push('| scenario | kind | contacts | rps | p95 ms / issue target | p99 ms | ceiling rps | ratio | target | verdict | Kehu CPU ms/req | ceiling CPU ms/req | CPU ratio | load avg |', '|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|');
    for (const n of ordered) {
      const r = data.scenarios[n];
      lines.push(`| ${n} | ${r.kind} | ${r.run.contacts === undefined ? '–' : int(r.run.contacts)} | ${int(r.rps)} | ${p95Text(r)} | ${ms(r.p99)} | ${int(r.ceilingRps)} | ${pct(r.ratio)} | ${targetText(r, r.run)} | **${r.verdict}** | ${(r.cpuMsPerRequest ?? 0).toFixed(3)} | ${(r.ceilingCpuMsPerRequest ?? 0).toFixed(3)} | ${pct(cpuRatio(r))} | ${r.loadAverage} |`);
    }
    lines.push('', '<sub>CPU ms/req: the server process\'s own CPU time (user + system, /proc/&lt;pid&gt;/stat) per request; the CPU ratio (ceiling\'s over Kehu\'s) does not depend on how much of the machine the scheduler gave each, but leaves out Postgres\'s own CPU.</sub>');
    lines.push('');
    for (const n of ordered) {
      const r = data.scenarios[n];
      lines.push(`### ${db} · ${n}: ${r.summary}`, '', HEADER, RULE, scenarioRow(r), '');
      const notes = [
        `response ≈ ${int(r.bodyBytes)} bytes`,
        `${int(r.requests)} requests measured`,
        `ceiling p99 ${ms(r.ceilingP99)} ms`,
        `CPU per request: Kehu ${r.cpuMsPerRequest.toFixed(3)} ms, ceiling ${r.ceilingCpuMsPerRequest.toFixed(3)} ms (CPU ratio ${pct(cpuRatio(r))})`,
        `load average ${r.loadAverage} at start`,
      ];
      if (r.run.contacts !== undefined) notes.push(`${int(r.run.contacts)} contacts`);
      if (r.p95TargetMs) notes.push(`issue target p95 < ${r.p95TargetMs} ms: ${p95Met(r) ? 'PASS' : 'MISS'}`);
      if (r.background) {
        const b = r.background;
        notes.push(`alongside: ${b.label} offered ${int(b.offered)}/s, served ${int(b.rps)}/s, p50 ${ms(b.p50)} / p95 ${ms(b.p95)} / p99 ${ms(b.p99)} ms, errors ${b.errors} / non-2xx ${b.non2xx}`);
      }
      if (r.serverErrors) notes.push(`${r.serverErrors} error lines in Kehu's log`);
      lines.push(`<sub>${notes.join(' · ')}</sub>`, '');
    }
  }
  if (data.coldStart) {
    const c = data.coldStart;
    lines.push(
      `**Cold start** (spawn of \`node dist/src/main.js serve\` to its ready line, already-migrated database with ${int(c.users)} users; ${c.date.slice(0, 10)}, ${c.commit}): ` +
        `median **${int(c.medianMs)} ms** of ${c.runsMs.length} (${c.runsMs.map(int).join(', ')} ms); the server's own \`startupMs\` (build app + listen, without Node's module loading): ${c.startupMs.map(int).join(', ')} ms.`,
      '',
    );
  }
  if (data.dataLoad) {
    const d = data.dataLoad;
    lines.push(`Bench data (seed ${d.seed}, ${int(d.users)} users) loaded at: ${d.tables.filter((t) => t.rows > 0).map((t) => `${t.table} ${int(t.rows)} rows at ${int(t.rowsPerSecond)} rows/s`).join('; ')}.`, '');
  }
  if (data.growth) {
    const g = data.growth;
    lines.push(
      `### ${db} · Growth: ${g.scenario} at several user counts`,
      '',
      `${g.run.date.slice(0, 16).replace('T', ' ')} UTC · ${g.run.commit} · ${g.run.machine} · ${g.run.connections} connections · ${g.run.durationS} s each`,
      '',
      '| users | rps | p50 ms | p95 ms | p99 ms | errors / non-2xx | peak RSS | ceiling rps | ratio | target | verdict | data load |',
      '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|',
    );
    for (const r of g.rows) {
      lines.push(`| ${int(r.users)} | ${int(r.rps)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${load(r)} | ${int(r.peakRssMb)} MB | ${int(r.ceilingRps)} | ${pct(r.ratio)} | ${targetText(r, g.run)} | **${r.verdict}** | ${(r.dataLoadMs / 1000).toFixed(1)} s |`);
    }
    lines.push('');
  }
  if (data.customerGrowth) {
    const g = data.customerGrowth;
    lines.push(
      `### ${db} · Growth: contact list and search at several customer data sizes`,
      '',
      `${g.run.date.slice(0, 16).replace('T', ' ')} UTC · ${g.run.commit} · ${g.run.machine} · ${g.run.connections} connections · ${g.run.durationS} s each · companies = contacts / 5, activities = contacts × 3`,
      '',
      '| scenario | contacts | rps | p50 ms | p95 ms | p99 ms | p95 target | errors / non-2xx | Kehu CPU ms/req | ceiling rps | ratio | load avg | data load |',
      '|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|',
    );
    const rows = [...g.rows].sort((a, b) => (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : a.contacts - b.contacts));
    for (const r of rows) {
      lines.push(`| ${r.scenario} | ${int(r.contacts)} | ${int(r.rps)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.p95TargetMs ? `< ${r.p95TargetMs} ms ${p95Met(r) ? 'PASS' : '**MISS**'}` : '–'} | ${load(r)} | ${r.cpuMsPerRequest.toFixed(3)} | ${int(r.ceilingRps)} | ${pct(r.ratio)} | ${r.loadAverage} | ${r.dataLoadMs === null ? 'reused' : `${(r.dataLoadMs / 1000).toFixed(1)} s`} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function parseData(section: string): SectionData {
  const m = /<!-- bench:data (\{[\s\S]*?\}) -->/.exec(section);
  if (m) {
    try {
      return JSON.parse(m[1]) as SectionData;
    } catch {
      // a hand-edited or damaged block: start again
    }
  }
  return { scenarios: {}, order: [] };
}

export interface SectionUpdate {
  scenarios?: ScenarioResult[];
  /** The full scenario order, so results appear in registry order. */
  order?: string[];
  coldStart?: ColdStart;
  growth?: Growth;
  customerGrowth?: CustomerGrowth;
  dataLoad?: DataLoad;
}

/** Merges new results into the database's section of BENCHMARKS.md and rewrites only that section. */
export function updateBenchmarks(db: Dialect, update: SectionUpdate, file = BENCHMARKS_FILE): void {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : TEMPLATE;
  const { start, end } = markers(db);
  let from = text.indexOf(start);
  let to = text.indexOf(end);
  if (from < 0 || to < from) {
    // No section yet: put it before the hand-written analysis, or at the end.
    const at = text.indexOf('## What limits');
    const block = `${start}\n${end}\n\n`;
    text = at >= 0 ? text.slice(0, at) + block + text.slice(at) : `${text.trimEnd()}\n\n${block}`;
    from = text.indexOf(start);
    to = text.indexOf(end);
  }
  const data = parseData(text.slice(from, to));
  for (const r of update.scenarios ?? []) data.scenarios[r.scenario] = r;
  const order = update.order ?? data.order;
  data.order = [...order, ...Object.keys(data.scenarios).filter((n) => !order.includes(n))];
  if (update.coldStart) data.coldStart = update.coldStart;
  if (update.growth) data.growth = update.growth;
  if (update.customerGrowth) data.customerGrowth = update.customerGrowth;
  if (update.dataLoad) data.dataLoad = update.dataLoad;
  // "--" may not appear inside an HTML comment; inside JSON strings it can be written as "-\u002d".
  const json = JSON.stringify(data).replace(/--/g, '-\\u002d');
  const body = `${start}\n${renderSection(db, data)}\n<!-- bench:data ${json} -->\n${end}`;
  fs.writeFileSync(file, text.slice(0, from) + body + text.slice(to + end.length));
}
