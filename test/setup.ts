import { initBackend } from '../src/backend/backend.js';

// Tests use the same backend selection as users (wasm on machines without tfjs-node).
await initBackend();
