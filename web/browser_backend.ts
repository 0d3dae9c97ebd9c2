import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmTrainingKernels } from '../src/backend/wasm_training_kernels.js';
import type { BackendReport, BackendRequest } from './worker_protocol.js';

/**
 * The browser's backend choice, the counterpart of src/backend.ts (which loads the
 * node bindings): webgl, else wasm, else cpu. A requested backend that cannot start
 * is an error, not a silent fallback. The wasm binaries are bundled assets (no CDN):
 * setWasmPaths maps each file name to its URL in this build.
 */
export const BROWSER_BACKENDS = ['webgl', 'wasm', 'cpu'] as const;

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

/**
 * The GL renderer, and whether it is a CPU rasteriser (headless Chromium's SwiftShader,
 * Mesa's llvmpipe): measured here, a convex fit on it takes ~11x as long as on wasm.
 */
function glRenderer(): { name: string; software: boolean } {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return { name: 'unknown GL', software: false };
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const software = /swiftshader|llvmpipe|softpipe|software/i.exec(renderer);
  return software ? { name: `software GL: ${software[0]}`, software: true } : { name: renderer, software: false };
}

/** Why automatic choice passed over webgl (software GL), for the backend label. */
let skippedWebgl: string | null = null;

async function tryActivate(name: (typeof BROWSER_BACKENDS)[number], automatic: boolean): Promise<BackendReport | null> {
  try {
    if (!(await tf.setBackend(name))) return null;
    await tf.ready();
    if (name === 'webgl') {
      // A tiny computation: a context that was created but cannot run shaders fails here, not mid-fit.
      tf.tidy(() => tf.add(tf.ones([2, 2]), 1).dataSync());
      const gl = glRenderer();
      // Without a GPU, webgl is emulated on the CPU and slower than wasm: the automatic choice takes wasm then (?backend=webgl still forces it).
      if (automatic && gl.software) {
        skippedWebgl = gl.name;
        return null;
      }
      return { name, description: `webgl (WebGL ${tf.env().getNumber('WEBGL_VERSION')}, ${gl.name})` };
    }
    if (name === 'wasm') {
      registerWasmTrainingKernels();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const count = threads ? getThreadsCount() : 1;
      return { name, description: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${count} thread${count === 1 ? '' : 's'})${skippedWebgl ? `; webgl not used: ${skippedWebgl}` : ''}` };
    }
    return { name, description: 'cpu (pure JavaScript)' };
  } catch {
    return null;
  }
}

export async function activateBackend(requested: BackendRequest): Promise<BackendReport> {
  const order = requested === 'auto' ? BROWSER_BACKENDS : [requested];
  for (const name of order) {
    const report = await tryActivate(name, requested === 'auto');
    if (report) return report;
  }
  throw new Error(requested === 'auto' ? 'no tfjs backend (webgl, wasm, cpu) could be started in this browser' : `the ${requested} backend could not be started in this browser`);
}
