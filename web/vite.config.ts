import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

/**
 * The interactive page: `npm run web` (dev server) and `npm run build:web` (static
 * build in dist-web/). The page imports the library's modules from ../src and
 * ../layers, and the sample photos from ../examples/data, so the server may read the
 * repository root.
 *
 * No cross-origin isolation headers: with them tfjs-backend-wasm picks its threaded
 * build, whose pthread workers are started from the factory function's source text
 * (Function.toString), which a bundled, minified factory does not survive ("e is not
 * defined"). Measured here, it reported one thread anyway; the SIMD build runs on one.
 */

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  server: { fs: { allow: [repo] } },
  worker: { format: 'es' },
  build: {
    outDir: `${repo}/dist-web`,
    emptyOutDir: true,
    // tfjs with its webgl, wasm and cpu backends is one large chunk on purpose.
    chunkSizeWarningLimit: 6000,
    target: 'es2022',
  },
});
