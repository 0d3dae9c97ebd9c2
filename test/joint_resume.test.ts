import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiskPriorStore } from '../src/joint/disk_prior_store.js';

const dist = (file: string) => pathToFileURL(path.resolve('dist/src', file)).href;

/**
 * A joint training run on three scribble samples with a DiskPriorStore, in a child
 * process. After each step it prints, per sample it updated, "id step checksum" of the
 * entry it saved (read back from the store). It runs `steps` steps (Infinity: until killed).
 */
const TRAINER = `
import * as tf from '@tensorflow/tfjs';
const { initBackend } = await import('${dist('backend/backend.js')}');
const { withImplicitPrior } = await import('${dist('joint/implicit_prior_trainer.js')}');
const { DiskPriorStore } = await import('${dist('joint/disk_prior_store.js')}');
const { scribbledEllipse } = await import('${dist('synthetic.js')}');
await initBackend('wasm');
const [dir, stepsArg] = process.argv.slice(2);
const input = tf.input({ shape: [16, 16, 3] });
const hidden = tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(hidden);
const model = tf.model({ inputs: input, outputs: out });
const store = await DiskPriorStore.open(dir);
const trainer = withImplicitPrior(model, { kind: 'convex', width: 32 }, { store, optimizer: tf.train.adam(0.01) });
const samples = [0, 1, 2].map((seed) => {
  const s = scribbledEllipse({ height: 16, width: 16, seed });
  return { id: 'sample ' + seed, xs: tf.tensor3d(s.image, [16, 16, 3]), ys: tf.tensor3d(s.labels, [16, 16, 1]), weights: tf.tensor3d(s.weights, [16, 16, 1]) };
});
const steps = stepsArg === 'inf' ? Infinity : Number(stepsArg);
for (let k = 0; k < steps; k++) {
  const sample = samples[k % 3];
  await trainer.trainStep([sample]);
  const state = await store.load(sample.id);
  let sum = 0;
  for (const t of Object.values(state.weights)) for (const v of t.values) sum += v;
  process.stdout.write(sample.id.replace(' ', '_') + ' ' + state.step + ' ' + sum + '\\n');
}
`;

interface Ack { step: number; checksum: number }

/** Runs the trainer; with `killAfterMs`, SIGKILLs it that long after its first step. Returns what it printed per id, in order. */
async function runTrainer(dir: string, steps: string, killAfterMs?: number): Promise<{ acks: Map<string, Ack[]>; signal: NodeJS.Signals | null; stderr: string }> {
  // Inside the (ignored) build folder, so that the script's bare '@tensorflow/tfjs' resolves to this repository's copy, the one dist/ uses.
  mkdirSync(path.resolve('dist/test-scripts'), { recursive: true });
  const script = path.resolve('dist/test-scripts/joint_resume_trainer.mjs');
  writeFileSync(script, TRAINER);
  const child = spawn(process.execPath, [script, dir, steps], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks = new Map<string, Ack[]>();
  let stderr = '';
  let buffered = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [id, step, checksum] = line.split(' ');
      const list = acks.get(id!.replace('_', ' ')) ?? [];
      list.push({ step: Number(step), checksum: Number(checksum) });
      acks.set(id!.replace('_', ' '), list);
    }
    if (killAfterMs !== undefined) timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  clearTimeout(timer);
  return { acks, signal, stderr };
}

describe('a joint training run killed with SIGKILL and resumed', () => {
  it('leaves every prior entry loadable at its last saved step, and a resumed run continues from there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-resume-store-'));
    const killed = await runTrainer(dir, 'inf', 1500 + Math.floor(Math.random() * 1500));
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killed.acks.size).toBe(3);
    const store = await DiskPriorStore.open(dir);
    const stored = new Map<string, number>();
    for (const id of ['sample 0', 'sample 1', 'sample 2']) {
      const state = (await store.load(id))!;
      const last = killed.acks.get(id)!.at(-1)!;
      let sum = 0;
      for (const t of Object.values(state.weights)) for (const v of t.values) sum += v;
      // The last acknowledged save, or the one in flight when the kill came (a whole visit later).
      expect([last.step, last.step + 5]).toContain(state.step);
      if (state.step === last.step) expect(sum).toBe(last.checksum);
      stored.set(id, state.step);
    }
    const resumed = await runTrainer(dir, '6');
    expect(resumed.signal, resumed.stderr).toBe(null);
    for (const [id, step] of stored) {
      // Each sample's prior picks up at its stored step and optimiser state, not from scratch.
      expect(resumed.acks.get(id)!.map((a) => a.step)).toEqual([step + 5, step + 10]);
    }
  }, 120_000);
});
