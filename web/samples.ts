import butterfly from '../examples/data/butterfly.jpg';
import cat from '../examples/data/cat.jpg';
import perforatedSheet from '../examples/data/perforated_sheet.jpg';
import starfish from '../examples/data/starfish.jpg';
import tomatoes from '../examples/data/tomatoes.jpg';

/**
 * The paper's photographs from examples/data/, bundled by Vite (served from this
 * build, no network), each with the prior that suits it.
 */
export interface Sample {
  id: string;
  label: string;
  url: string;
  prior: string;
}

export const SAMPLES: Sample[] = [
  { id: 'tomatoes', label: 'Tomatoes', url: tomatoes, prior: 'convex' },
  { id: 'starfish', label: 'Starfish', url: starfish, prior: 'star' },
  { id: 'butterfly', label: 'Butterfly', url: butterfly, prior: 'mirror' },
  { id: 'cat', label: 'Cat', url: cat, prior: 'star' },
  { id: 'perforated_sheet', label: 'Perforated sheet', url: perforatedSheet, prior: 'periodic' },
];
