/**
 * A starfish on sand with the star-shaped prior: its arms are not convex, but every
 * segment from its centre to a point of it stays inside. The colour map ("more red
 * than green") is riddled with holes by the starfish's texture and picks up specks of
 * sand; the star prior gives one clean outline.
 *
 *   node dist/examples/starfish_star.js
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRgb } from '../src/index.js';
import { colourUnaries, repoRoot, runPhotoExample } from './photo_example.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'examples/data/starfish.jpg');
const photo = await readRgb(source);
// Orange starfish: R - G near 100; beige sand near 30.
const unaries = colourUnaries(photo, (r, g) => (r - g - 60) / 10);
await runPhotoExample({ name: 'starfish', photo, unaries, source: path.relative(root, source), prior: 'star', outDir: path.join(root, 'examples/output') });
