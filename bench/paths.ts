/** Where things are, whether the bench runs compiled (dist/bench/*.js) or from source through tsx (tests). */
import { fileURLToPath } from 'node:url';

/** True when this module runs from `dist/`. */
export const COMPILED = import.meta.url.includes('/dist/bench/');

/** The repository root. */
export const ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', import.meta.url));

/** The bench folder of the repository (wrk.lua, results/). */
export const BENCH_DIR = `${ROOT}bench/`;

/**
 * argv for running one of the repository's entry points with node: the
 * compiled file when the bench is compiled, the TypeScript through tsx otherwise.
 * `file` is relative to the root and without extension, e.g. `src/cli/main`.
 */
export function nodeArgs(file: string): string[] {
  return COMPILED ? [`${ROOT}dist/${file}.js`] : ['--import', 'tsx', `${ROOT}${file}.ts`];
}
