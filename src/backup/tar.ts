// A small ustar writer and reader over gzip, enough for Kehu's backup archives (regular files only,
// names under 100 bytes). The archive stays readable by `tar -tzf`. The reader pulls exactly the
// bytes it needs, so a 1 GB attachment is hashed as it streams rather than held in memory.
import fs from 'node:fs';
import { once } from 'node:events';
import zlib from 'node:zlib';
import type { Readable, Writable } from 'node:stream';

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(name: string, size: number, mtime: Date, mode = 0o600): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar entry name too long: ${name}`);
  if (size > 0o77777777777) throw new Error(`tar entry too large: ${name}`);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('kehu', 265, 'ascii');
  h.write('kehu', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Writes a .tar.gz to an open file descriptor, with backpressure; errors (ENOSPC ...) reject. */
export class TarGzWriter {
  private gzip: zlib.Gzip;
  private out: Writable;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  bytesIn = 0;

  constructor(fd: number, level = 3) {
    this.gzip = zlib.createGzip({ level });
    this.out = fs.createWriteStream('', { fd, autoClose: false });
    const fail = (err: Error) => {
      this.failure ??= err;
      this.wake?.();
    };
    this.gzip.on('error', fail);
    this.out.on('error', fail);
    this.gzip.pipe(this.out);
  }

  private async push(buf: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytesIn += buf.length;
    if (!this.gzip.write(buf)) {
      // Woken by 'drain', or by a failure of either stream (after which no drain would come).
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.gzip.once('drain', resolve);
      });
      this.wake = null;
    }
    if (this.failure) throw this.failure;
  }

  async addBuffer(name: string, body: Buffer, mtime = new Date()): Promise<void> {
    await this.push(tarHeader(name, body.length, mtime));
    if (body.length) await this.push(body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad) await this.push(ZEROS.subarray(0, pad));
  }

  /** Adds a file from disk; calls onChunk with each piece (for hashing). */
  async addFile(name: string, file: string, onChunk?: (b: Buffer) => void): Promise<number> {
    const stat = fs.statSync(file);
    await this.push(tarHeader(name, stat.size, stat.mtime));
    let written = 0;
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (written + chunk.length > stat.size) throw new Error(`${file} grew while it was being backed up`);
      onChunk?.(chunk);
      written += chunk.length;
      await this.push(chunk);
    }
    if (written !== stat.size) throw new Error(`${file} shrank while it was being backed up`);
    const pad = (BLOCK - (written % BLOCK)) % BLOCK;
    if (pad) await this.push(ZEROS.subarray(0, pad));
    return written;
  }

  /** Writes the end-of-archive blocks and waits until everything reached the file. */
  async finish(): Promise<void> {
    await this.push(ZEROS);
    const done = Promise.all([once(this.out, 'finish'), once(this.gzip, 'end')]);
    this.gzip.end();
    await Promise.race([done, new Promise((_, reject) => {
      this.out.once('error', reject);
      this.gzip.once('error', reject);
    })]);
    if (this.failure) throw this.failure;
  }

  destroy(): void {
    this.gzip.destroy();
    this.out.destroy();
  }
}

export class ArchiveFormatError extends Error {}

/** Pulls exact byte counts from a stream. */
class Pull {
  private chunks: Buffer[] = [];
  private have = 0;
  private it: AsyncIterator<Buffer>;
  private ended = false;
  offset = 0;

  constructor(stream: Readable) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.have < n && !this.ended) {
      const { value, done } = await this.it.next();
      if (done) this.ended = true;
      else {
        this.chunks.push(value);
        this.have += value.length;
      }
    }
    return this.have >= n;
  }

  /** Up to n bytes (fewer only at the end of the stream). */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const take = Math.min(n, all.length);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    this.offset += take;
    return out;
  }

  /** Hands the next n bytes to fn in pieces. */
  async each(n: number, fn: (b: Buffer) => void | Promise<void>): Promise<number> {
    let left = n;
    while (left > 0) {
      if (!this.have) await this.fill(1);
      if (!this.have) break;
      const piece = await this.read(Math.min(left, this.have));
      left -= piece.length;
      await fn(piece);
    }
    return n - left;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** The whole body (for small entries). */
  buffer(): Promise<Buffer>;
  /** The body in pieces (for large ones). */
  each(fn: (b: Buffer) => void | Promise<void>): Promise<void>;
}

function parseHeader(h: Buffer, offset: number): { name: string; size: number; type: string } {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  const stored = parseInt(h.toString('ascii', 148, 156).replace(/\0.*$/, '').trim(), 8);
  if (stored !== sum) throw new ArchiveFormatError(`damaged tar header at byte ${offset} of the uncompressed archive`);
  const cut = (a: number, b: number) => {
    const s = h.subarray(a, b);
    const z = s.indexOf(0);
    return s.subarray(0, z === -1 ? s.length : z).toString('utf8');
  };
  const prefix = cut(345, 500);
  const name = (prefix ? `${prefix}/` : '') + cut(0, 100);
  const size = parseInt(cut(124, 136).trim() || '0', 8);
  return { name, size, type: cut(156, 157) || '0' };
}

/**
 * Reads a .tar.gz entry by entry; the callback must consume the entry's body (or not touch it:
 * it is skipped). Gzip damage and truncation surface as ArchiveFormatError with a plain message.
 */
export async function readTarGz(file: string, onEntry: (entry: TarEntry) => Promise<void>): Promise<void> {
  const gunzip = zlib.createGunzip();
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const pull = new Pull(gunzip);
  try {
    for (;;) {
      const at = pull.offset;
      const h = await pull.read(BLOCK);
      if (h.length < BLOCK) throw new ArchiveFormatError('the archive ends early: it is truncated (no end-of-archive marker)');
      if (h.every((b) => b === 0)) break;
      const { name, size, type } = parseHeader(h, at);
      let consumed = false;
      const entry: TarEntry = {
        name,
        size,
        async buffer() {
          consumed = true;
          const b = await pull.read(size);
          if (b.length < size) throw new ArchiveFormatError(`the archive ends early, inside ${name}: it is truncated`);
          return b;
        },
        async each(fn) {
          consumed = true;
          const got = await pull.each(size, fn);
          if (got < size) throw new ArchiveFormatError(`the archive ends early, inside ${name}: it is truncated`);
        },
      };
      if (type === '0' || type === '') await onEntry(entry);
      if (!consumed) {
        const got = await pull.each(size, () => undefined);
        if (got < size) throw new ArchiveFormatError(`the archive ends early, inside ${name}: it is truncated`);
      }
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad && (await pull.read(pad)).length < pad) throw new ArchiveFormatError('the archive ends early: it is truncated');
    }
    // Read to the end, so gzip checks its trailer (CRC and length) too.
    while ((await pull.read(1 << 20)).length);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof ArchiveFormatError) throw e;
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) throw new ArchiveFormatError('the archive ends early: it is truncated (incomplete gzip stream)');
    if (e.code?.startsWith('Z_') || e.code === 'ERR_ZLIB_INITIALIZATION_FAILED') throw new ArchiveFormatError(`the archive is damaged (gzip: ${e.message})`);
    throw e;
  } finally {
    await pull.close().catch(() => undefined);
    input.destroy();
    gunzip.destroy();
  }
}
