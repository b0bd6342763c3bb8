// A value read from the database and kept for a short while: admin settings and rules that every
// public submission needs but that change a few times a year. The process that changes them clears
// it at once; another process sees the change within `ttlMs`.
export interface ShortCache<T, A> {
  /** The kept value, or a fresh one loaded with `arg` (e.g. the caller's transaction). */
  get(arg: A): Promise<T>;
  /** Forget the value (after a change). */
  clear(): void;
}

export function shortCache<T, A>(ttlMs: number, load: (arg: A) => Promise<T>, now: () => number = Date.now): ShortCache<T, A> {
  let value: { v: T; at: number } | null = null;
  let generation = 0;
  return {
    async get(arg) {
      if (value && now() - value.at < ttlMs) return value.v;
      const mine = generation;
      const at = now();
      const v = await load(arg);
      // A clear() while loading means the loaded value may predate the change: use it, keep it not.
      if (mine === generation) value = { v, at };
      return v;
    },
    clear() {
      generation += 1;
      value = null;
    },
  };
}
