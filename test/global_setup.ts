import { execFileSync } from 'node:child_process';

/**
 * The CLI tests run the real `shapeprior` bin from dist/: compile first so they never
 * test stale output. The tests themselves are type-checked too (vitest only strips
 * types), so a helper called with the wrong arguments fails here, not silently; so is
 * the browser page (web/).
 */
export default function setup(): void {
  const tsc = (...args: string[]) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });
  tsc('-p', '.');
  tsc('-p', 'tsconfig.test.json');
  // The browser page: Vite bundles it without type-checking.
  tsc('-p', 'web/tsconfig.json');
}
