// Where and on what a bench ran: CPU model (/proc/cpuinfo), cores, RAM, Node version, load
// average, and the git commit (marked when the working tree has uncommitted changes).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { rootDir } from '../../../src/lib/paths';

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  /** One line for tables: "Intel Xeon Platinum 8370C, 2 cores, 23 GB, Node v20.19.5". */
  summary: string;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1];
  } catch {
    // not Linux: os.cpus() it is
  }
  cpu = cpu.replace(/\((R|TM)\)/gi, '').replace(/\bCPU\b/g, '').replace(/\s+@.*$/, '').replace(/\s+/g, ' ').trim();
  const cores = os.cpus().length;
  const ramGb = Math.round(os.totalmem() / 1024 ** 3);
  return { cpu, cores, ramGb, node: process.version, summary: `${cpu}, ${cores} cores, ${ramGb} GB, Node ${process.version}` };
}

export function gitCommit(): string {
  // A run from an exported tree (git archive of a commit, so others' uncommitted work in a shared
  // checkout is not measured) names its commit here.
  if (process.env.KEHU_BENCH_COMMIT) return process.env.KEHU_BENCH_COMMIT;
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: rootDir, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+local` : sha;
  } catch {
    return 'unknown';
  }
}

export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
