import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kmirror package's root folder, found from this file whether it runs from src/ or dist/. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kmirror') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('kmirror: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
})();

/**
 * Where downloaded artefacts (the Kafka jars) are cached between runs: outside the repository,
 * under $KMIRROR_CACHE_DIR, else $XDG_CACHE_HOME/kmirror, else ~/.cache/kmirror.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KMIRROR_CACHE_DIR) return env.KMIRROR_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kmirror');
}

/** Where local runs keep their state and logs (gitignored): <package root>/.kmirror. */
export const workDir: string = join(packageRoot, '.kmirror');
