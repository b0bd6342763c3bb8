// Starts real Kehu processes for tests (two of them on one database when a test needs it), on a
// free port, and waits until each says it is ready. Never shipped.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testLicenseEnv } from './license';

const ROOT = path.resolve(__dirname, '..', '..');

export interface KehuProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything the process wrote, for assertions on logs. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startKehu(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<KehuProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/kehu-process.ts')], {
    cwd: ROOT,
    // The test license key and a generous license (test-only env, read by kehu-process.ts alone);
    // a test passes '' for either to run without.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KEHU_HOST: '127.0.0.1', KEHU_PORT: '0', KEHU_LOG_LEVEL: 'info', ...testLicenseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave an orphan behind a failed start
      reject(new Error(`Kehu did not start within ${options.timeoutMs ?? 60000} ms:\n${out}`));
    }, options.timeoutMs ?? 60000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"port":(\d+),"startupMs"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Kehu exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}
