/**
 * A butterfly on grass with the mirror-symmetric prior: its axis and centre are
 * learned. The colour map ("not green") loses the wing tips where grass shows through
 * and adds blades of light grass; the mirror prior gives a symmetric outline.
 *
 *   node dist/examples/butterfly_mirror.js
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRgb } from '../src/index.js';
import { colourUnaries, repoRoot, runPhotoExample } from './photo_example.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'examples/data/butterfly.jpg');
const photo = await readRgb(source);
// Dark, white and orange wings have max(R, B) close to G or above it; grass has G well above both.
const unaries = colourUnaries(photo, (r, g, b) => (Math.max(r, b) + 15 - g) / 8);
await runPhotoExample({ name: 'butterfly', photo, unaries, source: path.relative(root, source), prior: 'mirror', outDir: path.join(root, 'examples/output') });
