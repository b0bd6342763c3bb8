// Group commit for SQLite, with the flush off the event loop. The serving process's writer commits
// with synchronous=NORMAL: a commit writes its WAL frames but does not wait for the disk, so it no
// longer holds the event loop (better-sqlite3 is synchronous) for the flush, 0.3 ms on a quiet disk
// here, 4–11 ms while other work shares it, more on a spinning one. Before the answer to a write is
// sent, `flush()` waits for an fdatasync of the WAL file on libuv's thread pool that began after
// the call: every commit made before it is then on disk, as with synchronous=FULL, and the writes
// answered meanwhile share one flush. Other readers may see a commit before its flush ends; its
// writer has no answer yet. Background jobs' commits (answered to no one) reach the disk with the
// next flush or the checkpointer's next checkpoint, which syncs the WAL first (db/checkpointer.ts).
import fs from 'node:fs';

export interface Durability {
  /** Resolves once every commit made before the call is on disk; rejects when the flush fails. */
  flush(): Promise<void>;
  /** Flushes made so far (for tests and diagnostics). */
  readonly flushes: number;
}

export function walDurability(walFile: string): Durability {
  let issued = 0;
  let flushes = 0;
  let draining = false;
  let waiting: Array<{ ticket: number; resolve(): void; reject(err: Error): void }> = [];

  async function syncWal(): Promise<void> {
    let handle: fs.promises.FileHandle;
    try {
      // Opened for each flush, so that a WAL file deleted or replaced (the last connection closing,
      // a restore) never leaves a descriptor of the old file behind.
      handle = await fs.promises.open(walFile, 'r+');
    } catch (err) {
      // No WAL: it was checkpointed and removed, so every commit is in the database file.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    while (waiting.length) {
      // Every ticket issued before this flush begins is covered by it; later ones wait for the next.
      const upTo = issued;
      let failure: Error | null = null;
      try {
        await syncWal();
        flushes++;
      } catch (err) {
        failure = err as Error;
      }
      const covered = waiting.filter((w) => w.ticket <= upTo);
      waiting = waiting.filter((w) => w.ticket > upTo);
      for (const w of covered) {
        if (failure) w.reject(failure);
        else w.resolve();
      }
    }
    draining = false;
  }

  return {
    flush() {
      const ticket = ++issued;
      return new Promise<void>((resolve, reject) => {
        waiting.push({ ticket, resolve, reject });
        if (!draining) void drain();
      });
    },
    get flushes() {
      return flushes;
    },
  };
}
