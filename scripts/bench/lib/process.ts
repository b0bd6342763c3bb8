// Real server processes for the bench: Kehu (`node dist/src/main.js serve`) and the bare Fastify
// ceiling server, each started as a separate process and awaited until it prints its ready line;
// plus a sampler of a process's resident memory (/proc/<pid>/status) every 200 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootDir } from '../../../src/lib/paths';

/** The repository (found by package.json, from source or from dist/ alike). */
export const REPO = rootDir;
export const KEHU_MAIN = path.join(REPO, 'dist', 'src', 'main.js');
export const CEILING_MAIN = path.join(REPO, 'dist', 'scripts', 'bench', 'ceiling-server.js');

export interface ServerProcess {
  pid: number;
  port: number;
  url: string;
  /** Spawn to ready line, as measured here. */
  readyMs: number;
  /** What the ready line itself says (Kehu's startupMs), when it says it. */
  startupMs: number | null;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  args: string[];
  env: Record<string, string>;
  /** The ready line: a regular expression whose first group is the port and optional second the startup ms. */
  ready: RegExp;
  timeoutMs?: number;
  /** Where the server's output goes: a pipe read here (precise timing), or a file (no reading cost while loaded). */
  logFile?: string;
  name: string;
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const started = performance.now();
  let out = '';
  let fd: number | undefined;
  if (options.logFile) fd = fs.openSync(options.logFile, 'w');
  const proc = spawn(process.execPath, options.args, {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
  });
  if (fd !== undefined) fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const readOutput = () => (options.logFile ? safeRead(options.logFile) : out);
  const timeoutMs = options.timeoutMs ?? 30_000;

  const found = await new Promise<{ port: number; startupMs: number | null; at: number }>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const done = (err: Error | null, value?: { port: number; startupMs: number | null; at: number }) => {
      clearTimeout(timer);
      clearInterval(poll);
      proc.removeListener('exit', onExit);
      if (err) reject(err);
      else resolve(value!);
    };
    const check = (text: string) => {
      const m = options.ready.exec(text);
      if (m) done(null, { port: Number(m[1]), startupMs: m[2] ? Number(m[2]) : null, at: performance.now() });
    };
    const onExit = (code: number | null) => done(new Error(`${options.name} exited with ${code} before it was ready:\n${readOutput().slice(-4000)}`));
    proc.on('exit', onExit);
    timer = setTimeout(() => {
      proc.kill('SIGKILL');
      done(new Error(`${options.name} was not ready within ${timeoutMs} ms:\n${readOutput().slice(-4000)}`));
    }, timeoutMs);
    if (options.logFile) {
      poll = setInterval(() => check(safeRead(options.logFile!)), 5);
    } else {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        check(out);
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
    }
  });
  // Keep draining a pipe so the server never blocks on a full one.
  if (!options.logFile) {
    proc.stdout!.on('data', (c: Buffer) => { if (out.length < 1_000_000) out += c.toString(); });
    proc.stderr!.on('data', (c: Buffer) => { if (out.length < 1_000_000) out += c.toString(); });
  }
  return {
    pid: proc.pid!,
    port: found.port,
    url: `http://127.0.0.1:${found.port}`,
    readyMs: found.at - started,
    startupMs: found.startupMs,
    proc,
    output: readOutput,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface KehuTarget {
  databaseUrl: string;
  dataDir: string;
}

/** Kehu as in production: the compiled CLI, configured by KEHU_* variables only. */
export function startKehu(target: KehuTarget, options: { logFile?: string; logLevel?: string; extraEnv?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  return startServer({
    name: 'Kehu',
    args: [...(options.nodeArgs ?? []), KEHU_MAIN, 'serve'],
    env: {
      KEHU_HOST: '127.0.0.1',
      KEHU_PORT: '0',
      KEHU_DATA_DIR: target.dataDir,
      KEHU_DATABASE_URL: target.databaseUrl,
      KEHU_LOG_LEVEL: options.logLevel ?? 'info',
      // On a kept data set the first start after 01:23 would run the "missed" nightly backup in
      // the background of the measurement.
      KEHU_BACKUP_SCHEDULE: '',
      ...options.extraEnv,
    },
    ready: /"port":(\d+),"startupMs":(\d+)/,
    logFile: options.logFile,
  });
}

/** The bare Fastify ceiling server, answering every request with the given sample bodies in turn. */
export function startCeiling(samplesFile: string, logFile?: string): Promise<ServerProcess> {
  return startServer({
    name: 'ceiling server',
    args: [CEILING_MAIN],
    env: { BENCH_CEILING_SAMPLES: samplesFile },
    ready: /"ceiling":"ready","port":(\d+)/,
    logFile,
  });
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/<pid>/stat, 100 ticks/s). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

export interface MemoryReport {
  /** Highest VmRSS seen by the sampler, MB. */
  peakRssMb: number;
  /** VmHWM at the end: the kernel's own high-water mark since the process started, MB. */
  hwmMb: number;
  samples: number;
}

function readStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(text);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(text);
    return rss && hwm ? { rss: Number(rss[1]), hwm: Number(hwm[1]) } : null;
  } catch {
    return null;
  }
}

/** Samples /proc/<pid>/status every `everyMs` until stopped. */
export function sampleMemory(pid: number, everyMs = 200): { stop(): MemoryReport } {
  let peak = 0;
  let samples = 0;
  const take = () => {
    const s = readStatus(pid);
    if (s) {
      samples++;
      if (s.rss > peak) peak = s.rss;
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const end = readStatus(pid);
      return { peakRssMb: peak / 1024, hwmMb: (end?.hwm ?? peak) / 1024, samples };
    },
  };
}
