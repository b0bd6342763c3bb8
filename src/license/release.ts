// The day this version was released: set in package.json ("releaseDate", YYYY-MM-DD) when a release
// is cut. A license's updates_until is compared with it to tell whether this version is covered.
import { packageJson } from '../lib/paths';

function releaseDateOf(pkg: { releaseDate?: unknown }): string {
  const d = pkg.releaseDate;
  if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error('package.json has no "releaseDate" (YYYY-MM-DD); the release sets it');
  return d;
}

export const RELEASE_DATE = releaseDateOf(packageJson as { releaseDate?: unknown });
export const VERSION = packageJson.version;
