// Where the product's own files live, whether running compiled (dist/src) or from source (src).
import path from 'node:path';
import fs from 'node:fs';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const rootDir = findRoot(__dirname);
export const viewsDir = path.join(rootDir, 'views');
export const localesDir = path.join(rootDir, 'locales');
export const publicDir = path.join(rootDir, 'public');
export const migrationsDir = path.join(rootDir, 'migrations');
export const packageJson: { name: string; version: string } = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'));
