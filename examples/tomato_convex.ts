/**
 * Demo: segment the red tomato in a real photograph with a provably convex mask.
 *
 * The likelihood map comes from colour alone ("how red is this pixel"), so the stem
 * that crosses in front of the tomato cuts a gap into it and background leaves add
 * specks. Projecting the map onto convex shapes (eq. 9 of the paper) fills the gap
 * and drops the specks. Writes PNGs to examples/output/ and prints what it measured.
 *
 *   npm run demo            (after npm ci, which builds the package)
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, runPhotoExample } from './photo_example.js';
import { loadTomatoScene } from './tomato_scene.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const { photo, unaries, source } = await loadTomatoScene(root);
await runPhotoExample({ name: 'tomato', photo, unaries, source: `upper half of ${path.relative(root, source)}`, prior: 'convex', outDir: path.join(root, 'examples/output') });
