import { execFileSync } from 'node:child_process';

/** The CLI tests run the real `shapeprior` bin from dist/: compile first so they never test stale output. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
}
