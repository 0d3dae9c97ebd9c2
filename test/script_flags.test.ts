import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The examples and benchmarks parse their flags with commander, as the CLI does: a
 * mistyped flag or a bad number stops the script before any work, with exit code 1 and
 * a message naming the flag (a hand-written parser used to ignore the one and run with
 * NaN for the other). Each script is run from dist/ (built by the global setup).
 */
function run(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve('dist', script), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('flags of the examples and benchmarks', () => {
  const cases: Array<{ script: string; args: string[]; message: RegExp }> = [
    { script: 'bench/bench.js', args: ['--polr'], message: /unknown option '--polr'[\s\S]*Did you mean --polar\?/ },
    { script: 'bench/bench.js', args: ['--polar', '--maps', '1'], message: /--maps <n>' argument '1' is invalid\. expected an integer in \[2, 10000\]/ },
    { script: 'bench/bench.js', args: ['--polar', '--kinds', 'star,convex'], message: /--kinds <kinds>' argument 'star,convex' is invalid\. unknown polar kind convex/ },
    { script: 'bench/bench.js', args: ['--pc', '--half', 'train'], message: /--half <half>' argument 'train' is invalid\. Allowed choices are tuning, heldout, both/ },
    { script: 'examples/table1.js', args: ['--seeds', 'three'], message: /--seeds <n>' argument 'three' is invalid\. expected an integer/ },
    { script: 'examples/unet_finetune.js', args: ['--beta', '-1'], message: /--beta <x>' argument '-1' is invalid\. expected a number in \(0, 1000000\]/ },
    { script: 'examples/classes_augmented.js', args: ['--seed', '2'], message: /unknown option '--seed'/ },
    { script: 'examples/scribble_benchmark.js', args: ['two'], message: /argument 'images'.*expected an integer/ },
    { script: 'bench/store_scale.js', args: ['--compression', 'gzip'], message: /Allowed choices are none, float16, both/ },
  ];
  for (const c of cases) {
    it(`${c.script} ${c.args.join(' ')}: exit 1, the flag named`, () => {
      const r = run(c.script, ...c.args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(c.message);
      expect(r.stdout).toBe('');
    });
  }

  it('bench/bench.js --help lists the sections and exits 0', () => {
    const r = run('bench/bench.js', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--polar', '--pc', '--speed', '--joint-only', '--axis-starts <n>', '--reference-results <dir>']) expect(r.stdout).toContain(flag);
  });
});
