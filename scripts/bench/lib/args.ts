// A small command-line parser for the bench scripts: positionals, `--name value`, `--name=value`
// and bare `--flag`s, with typed getters that fail with a clear message.

export class ArgsError extends Error {}

export interface Args {
  positionals: string[];
  values: Map<string, string | true>;
  string(name: string, fallback?: string): string | undefined;
  number(name: string, fallback?: number): number | undefined;
  flag(name: string): boolean;
  list(name: string): number[] | undefined;
  /** Fails on any option not in `known`. */
  only(known: string[]): void;
}

export function parseArgs(argv: string[], flags: string[] = []): Args {
  const positionals: string[] = [];
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      values.set(a.slice(2, eq), a.slice(eq + 1));
    } else {
      const name = a.slice(2);
      const next = argv[i + 1];
      if (flags.includes(name) || next === undefined || next.startsWith('--')) values.set(name, true);
      else values.set(name, argv[++i]);
    }
  }
  const get = (name: string) => values.get(name);
  return {
    positionals,
    values,
    string(name, fallback) {
      const v = get(name);
      if (v === true) throw new ArgsError(`--${name} needs a value`);
      return v ?? fallback;
    },
    number(name, fallback) {
      const v = get(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (v === true || !Number.isFinite(n) || n < 0) throw new ArgsError(`--${name} must be a non-negative number`);
      return n;
    },
    flag(name) {
      const v = get(name);
      return v === true || v === 'true' || v === '1';
    },
    list(name) {
      const v = get(name);
      if (v === undefined) return undefined;
      if (v === true) throw new ArgsError(`--${name} needs a comma-separated list of numbers`);
      const out = v.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
      if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new ArgsError(`--${name} must be a comma-separated list of positive integers`);
      return out;
    },
    only(known) {
      for (const name of values.keys()) if (!known.includes(name)) throw new ArgsError(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
    },
  };
}
