// `kehu backup:verify FILE`: reads the whole archive and checks it against its manifest: structure,
// every table's row count and SHA-256 (and that each line is a row of the right width), every
// file's SHA-256 (attachments are named by theirs). Says exactly what is wrong.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ArchiveFormatError, readTarGz } from './tar';
import { FORMAT, HEADER_FILE, MANIFEST_FILE, type BackupHeader, type Manifest } from './create';

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  header: BackupHeader | null;
  manifest: Manifest | null;
  size: number;
  durationMs: number;
}

interface SeenTable {
  rows: number;
  hash: crypto.Hash;
  parts: string[];
  widths: Set<number>;
  badLine: string | null;
}

export async function verifyArchive(file: string): Promise<VerifyResult> {
  const started = Date.now();
  const problems: string[] = [];
  let header: BackupHeader | null = null;
  let manifest: Manifest | null = null;
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    return { ok: false, problems: [`cannot read ${file}: ${(err as Error).message}`], header, manifest, size, durationMs: 0 };
  }
  const tables = new Map<string, SeenTable>();
  const files = new Map<string, { size: number; sha256: string }>();
  let first = true;
  let afterManifest = false;
  try {
    await readTarGz(file, async (entry) => {
      if (afterManifest) problems.push(`${entry.name} comes after the manifest: not written by Kehu`);
      if (first) {
        first = false;
        if (entry.name !== HEADER_FILE) {
          problems.push(`not a Kehu backup: it starts with ${entry.name}, not ${HEADER_FILE}`);
          return;
        }
        try {
          header = JSON.parse((await entry.buffer()).toString('utf8'));
        } catch {
          problems.push(`${HEADER_FILE} is not valid JSON`);
        }
        return;
      }
      const table = /^tables\/([a-z0-9_]+)\/(\d{5})\.jsonl$/.exec(entry.name);
      if (table) {
        const body = await entry.buffer();
        const seen = tables.get(table[1]) ?? { rows: 0, hash: crypto.createHash('sha256'), parts: [], widths: new Set<number>(), badLine: null };
        tables.set(table[1], seen);
        seen.hash.update(body);
        seen.parts.push(entry.name);
        const text = body.toString('utf8');
        if (text.length && !text.endsWith('\n')) seen.badLine ??= `${entry.name}: the last line is cut off`;
        let start = 0;
        let line = 0;
        while (start < text.length) {
          let end = text.indexOf('\n', start);
          if (end === -1) end = text.length;
          line++;
          seen.rows++;
          try {
            const row = JSON.parse(text.slice(start, end));
            if (!Array.isArray(row)) throw new Error('not an array');
            seen.widths.add(row.length);
          } catch {
            seen.badLine ??= `${entry.name} line ${line} is not a row (invalid JSON)`;
          }
          start = end + 1;
        }
        return;
      }
      if (entry.name === MANIFEST_FILE) {
        afterManifest = true;
        try {
          manifest = JSON.parse((await entry.buffer()).toString('utf8'));
        } catch {
          problems.push(`${MANIFEST_FILE} is not valid JSON`);
        }
        return;
      }
      if (/^(attachments\/[0-9a-f]{2}\/[0-9a-f]{64}|audit-archive\/[^/]+|config\/[^/]+)$/.test(entry.name)) {
        const hash = crypto.createHash('sha256');
        await entry.each((b) => void hash.update(b));
        const sha256 = hash.digest('hex');
        files.set(entry.name, { size: entry.size, sha256 });
        if (entry.name.startsWith('attachments/') && !entry.name.endsWith(`/${sha256}`)) {
          problems.push(`${entry.name}: its content does not match its name (SHA-256 ${sha256}): the file was altered`);
        }
        return;
      }
      problems.push(`unexpected entry ${entry.name}: not written by Kehu`);
    });
  } catch (err) {
    if (err instanceof ArchiveFormatError) problems.push(err.message);
    else problems.push(`cannot read the archive: ${(err as Error).message}`);
  }

  const h = header as BackupHeader | null;
  const m = manifest as Manifest | null;
  if (first) problems.push('the archive is empty');
  if (h) {
    if (h.product !== 'kehu') problems.push(`not a Kehu backup (product "${h.product}")`);
    if (typeof h.format !== 'number' || h.format > FORMAT) problems.push(`backup format ${h.format} is newer than this version of Kehu reads (${FORMAT}): use a newer Kehu`);
  }
  if (!m) {
    if (!problems.some((p) => p.includes(MANIFEST_FILE))) problems.push(`${MANIFEST_FILE} is missing: the archive is incomplete`);
  } else {
    if (h) {
      for (const key of ['version', 'dialect', 'created_at', 'last_migration'] as const) {
        if (h[key] !== m[key]) problems.push(`the manifest's ${key} (${m[key]}) differs from the archive header's (${h[key]}): the manifest was edited`);
      }
    }
    const expected = m.tables ?? {};
    for (const [name, t] of Object.entries(expected)) {
      const seen = tables.get(name);
      if (!seen) {
        if (t.rows > 0 || t.parts?.length) problems.push(`table ${name}: its file${t.parts?.length > 1 ? 's are' : ' is'} missing (${(t.parts ?? []).join(', ')})`);
        continue;
      }
      const missing = (t.parts ?? []).filter((p) => !seen.parts.includes(p));
      const extra = seen.parts.filter((p) => !(t.parts ?? []).includes(p));
      if (missing.length) problems.push(`table ${name}: missing ${missing.join(', ')}`);
      if (extra.length) problems.push(`table ${name}: ${extra.join(', ')} not listed in the manifest`);
      if (seen.badLine) problems.push(`table ${name}: ${seen.badLine}`);
      if (seen.rows !== t.rows) problems.push(`table ${name}: ${seen.rows} rows in the archive, the manifest says ${t.rows}`);
      const sha = seen.hash.digest('hex');
      if (sha !== t.sha256) problems.push(`table ${name}: SHA-256 ${sha} does not match the manifest's ${t.sha256}: the table's data was altered`);
      const width = (t.columns ?? []).length;
      if ([...seen.widths].some((w) => w !== width)) problems.push(`table ${name}: rows do not have the manifest's ${width} columns`);
    }
    for (const name of tables.keys()) if (!(name in expected)) problems.push(`table ${name} is in the archive but not in the manifest`);
    for (const [name, f] of Object.entries(m.files ?? {})) {
      const seen = files.get(name);
      if (!seen) problems.push(`${name} is missing from the archive`);
      else if (seen.sha256 !== f.sha256 || seen.size !== f.size) problems.push(`${name}: SHA-256 ${seen.sha256} (${seen.size} bytes) does not match the manifest's ${f.sha256} (${f.size} bytes)`);
    }
    for (const name of files.keys()) if (!(name in (m.files ?? {}))) problems.push(`${name} is in the archive but not in the manifest`);
  }
  return { ok: problems.length === 0, problems, header: h, manifest: m, size, durationMs: Date.now() - started };
}
