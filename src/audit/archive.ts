// Audit archive files: one gzip'd JSON line per entry (with its values), in <dataDir>/audit-archive.
// A file is written under a temporary name, fsynced and renamed, so a reader never sees half of one;
// names carry their seq range (and a revision after an erasure), so nothing is ever overwritten.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ChainFields } from './chain';

export interface ArchivedValue {
  field: string;
  salt: string;
  before_value: string | null;
  after_value: string | null;
}

/** An entry as stored in the table and in archive files: the chain's fields plus its kept values. */
export interface StoredEntry extends ChainFields {
  prev_hash: string;
  hash: string;
  values: ArchivedValue[];
}

export function archiveDir(dataDir: string): string {
  return path.join(dataDir, 'audit-archive');
}

/** "2026-05.101-4200.jsonl.gz"; an erasure's rewrite adds a revision: "2026-05.101-4200.r2.jsonl.gz". */
export function pieceName(month: string, fromSeq: number, toSeq: number, revision = 0): string {
  return `${month}.${fromSeq}-${toSeq}${revision ? `.r${revision}` : ''}.jsonl.gz`;
}

export function nextRevisionName(file: string): string {
  const m = /^(\d{4}-\d{2})\.(\d+)-(\d+)(?:\.r(\d+))?\.jsonl\.gz$/.exec(file);
  if (!m) throw new Error(`not an audit archive file name: ${file}`);
  return pieceName(m[1], Number(m[2]), Number(m[3]), Number(m[4] ?? 0) + 1);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a piece atomically (temp name, fsync, rename, mode 0600); returns the file's SHA-256. */
export function writePiece(dir: string, file: string, entries: StoredEntry[]): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const body = zlib.gzipSync(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const tmp = path.join(dir, `.${file}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, file));
  fsyncDir(dir);
  return crypto.createHash('sha256').update(body).digest('hex');
}

export function removePiece(dir: string, file: string): void {
  fs.rmSync(path.join(dir, file), { force: true });
}

export interface OpenedPiece {
  sha256: string;
  entries: AsyncIterable<StoredEntry>;
}

/** Opens a piece: its SHA-256 at once, its entries as a stream of parsed lines. Null if the file is gone. */
export function openPiece(dir: string, file: string): OpenedPiece | null {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(path.join(dir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const sha256 = crypto.createHash('sha256').update(raw).digest('hex');
  async function* entries(): AsyncGenerator<StoredEntry> {
    const lines = readline.createInterface({ input: Readable.from([raw]).pipe(zlib.createGunzip()), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as StoredEntry;
  }
  return { sha256, entries: entries() };
}

/** Reads a whole piece into memory (pieces are capped in size by the rotation). */
export async function readPiece(dir: string, file: string): Promise<{ sha256: string; entries: StoredEntry[] } | null> {
  const opened = openPiece(dir, file);
  if (!opened) return null;
  const entries: StoredEntry[] = [];
  for await (const e of opened.entries) entries.push(e);
  return { sha256: opened.sha256, entries };
}

/** The head recorded outside the database: the newest sealed entry known to be good. */
export interface HeadRecord {
  seq: number;
  hash: string;
  at: string;
}

const HEAD_FILE = 'HEAD';

export function readHeadFile(dir: string): HeadRecord | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, HEAD_FILE), 'utf8')) as HeadRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Records the head, never moving it backwards (an older head would forgive a truncation). */
export function writeHeadFile(dir: string, head: HeadRecord): void {
  const current = readHeadFile(dir);
  if (current && current.seq >= head.seq) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${HEAD_FILE}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(head) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, HEAD_FILE));
  fsyncDir(dir);
}
