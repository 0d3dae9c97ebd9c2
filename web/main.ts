/**
 * The interactive page: open a photo (file, drop, or a sample), paint scribbles or
 * open a likelihood map, choose a prior, fit. All tfjs work runs in a worker
 * (segment_worker.ts) on the library's own modules; this file holds the page's state
 * and wires the controls. A failed action shows a message and leaves the previous
 * result as it was.
 */
import { openLikelihoodMap, openPhoto, photoAtSize, type LikelihoodMapFile, type Photo } from './image_files.js';
import { drawGrey, drawMask } from './mask_view.js';
import { downloadBlob, encodeGreyPng } from './png_encoder.js';
import { fillKindMenus, readFitSettings, showOptionsFor } from './prior_form.js';
import { SAMPLES } from './samples.js';
import { ScribbleLayer, type ScribbleLabel } from './scribbles.js';
import { SegmenterClient, type Progress } from './segmenter_client.js';
import type { BackendRequest, FitSummary } from './worker_protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const photoCanvas = $<HTMLCanvasElement>('photo-canvas');
const maskCanvas = $<HTMLCanvasElement>('mask-canvas');
const scribbleCanvas = $<HTMLCanvasElement>('scribble-canvas');
const inputOf = (id: string) => $<HTMLInputElement>(id);

/** Longer side of the displayed photo, in canvas pixels (the strokes are drawn at this resolution). */
const DISPLAY_SIDE = 768;

interface FitResultState {
  summary: FitSummary;
  width: number;
  height: number;
  /** The 8-bit map the prior was fitted to (trained from scribbles, or opened). */
  unaries: Uint8Array;
  name: string;
  /** E.g. 'convex', or 'union of star' */
  prior: string;
  backend: string;
}

const state = {
  photo: null as Photo | null,
  map: null as LikelihoodMapFile | null,
  result: null as FitResultState | null,
  busy: false,
};

const params = new URLSearchParams(location.search);
const BACKEND_CHOICES: readonly string[] = ['auto', 'webgl', 'wasm', 'cpu'];
const backendParam = params.get('backend') || 'auto';
const requestedBackend = (BACKEND_CHOICES.includes(backendParam) ? backendParam : 'auto') as BackendRequest;
$<HTMLSelectElement>('backend-select').value = requestedBackend;
let client = new SegmenterClient(requestedBackend);
let backendName = '';

const scribbles = new ScribbleLayer(scribbleCanvas, () => {
  // Painting means the scribbles are the source of the next fit.
  if (scribbles.count > 0 && !inputOf('source-scribbles').checked) {
    inputOf('source-scribbles').checked = true;
    redraw();
  }
});

function showBackend(): void {
  const label = $('backend');
  label.textContent = 'backend: starting…';
  label.dataset['backend'] = '';
  client.backend.then(
    (b) => {
      backendName = b.name;
      label.textContent = `backend: ${b.description}`;
      label.dataset['backend'] = b.name;
      label.title = b.description;
      if (document.body.dataset['state'] === 'starting') document.body.dataset['state'] = 'idle';
    },
    (err: Error) => {
      label.textContent = 'backend: none';
      showMessage(err.message);
      document.body.dataset['state'] = 'error';
    },
  );
}

function showMessage(text: string | null): void {
  const box = $('message');
  box.hidden = text === null;
  box.textContent = text ?? '';
}

function setStatus(text: string, fraction: number | null, steps = ''): void {
  $('status').textContent = text;
  const bar = $<HTMLProgressElement>('progress');
  if (fraction === null) bar.removeAttribute('value');
  else bar.value = fraction;
  $('step-count').textContent = steps;
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  document.body.dataset['state'] = busy ? 'busy' : state.result ? 'done' : 'idle';
  $<HTMLButtonElement>('fit-button').disabled = busy;
  $<HTMLButtonElement>('stop-button').disabled = !busy;
  for (const id of ['download-mask', 'download-unaries']) $<HTMLButtonElement>(id).disabled = busy || !state.result;
  // The worker and the working grid stay as they are while it runs.
  for (const id of ['backend-select', 'work-size']) $<HTMLSelectElement>(id).disabled = busy;
}

/** The grid the next fit runs on, and what is drawn under the mask. */
function scene(): { width: number; height: number } | null {
  if (inputOf('source-map').checked) return state.map;
  return state.photo;
}

/** A photo of (about) the map's shape is drawn under the map's mask; otherwise the map itself. */
function photoMatches(map: { width: number; height: number }): boolean {
  const p = state.photo;
  return !!p && Math.abs(p.bitmap.width / p.bitmap.height - map.width / map.height) < 0.01;
}

function redraw(): void {
  const grid = scene() ?? state.photo ?? state.map;
  $('canvas-stack').hidden = !grid;
  $('drop-hint').hidden = !!grid;
  if (!grid) return;
  const showMap = grid === state.map && !photoMatches(grid);
  const aspect = (showMap ? grid.width / grid.height : state.photo!.bitmap.width / state.photo!.bitmap.height);
  const [w, h] = aspect >= 1 ? [DISPLAY_SIDE, Math.round(DISPLAY_SIDE / aspect)] : [Math.round(DISPLAY_SIDE * aspect), DISPLAY_SIDE];
  photoCanvas.width = w;
  photoCanvas.height = h;
  if (showMap) drawGrey(photoCanvas, state.map!.bytes, state.map!.width, state.map!.height);
  else photoCanvas.getContext('2d')!.drawImage(state.photo!.bitmap, 0, 0, w, h);
  scribbleCanvas.hidden = showMap;
  scribbles.resize(w, h);
  const r = state.result;
  drawMask(maskCanvas, r && r.width === grid.width && r.height === grid.height ? r.summary.mask : null, grid.width, grid.height);
}

function showResult(r: FitResultState | null): void {
  state.result = r;
  const stats = $('fit-stats');
  const cert = $('certificate');
  if (!r) {
    stats.textContent = 'No fit yet.';
    cert.textContent = '';
    delete cert.dataset['passed'];
    for (const k of ['steps', 'seconds', 'backend', 'foreground']) delete stats.dataset[k];
    return;
  }
  const s = r.summary;
  const foreground = s.mask.reduce((a, v) => a + v, 0);
  stats.textContent = `${r.name}, ${r.prior} prior: ${s.steps} steps${s.converged ? ' (converged)' : ''} in ${s.seconds.toFixed(2)} s on ${r.backend}, loss ${s.finalLoss.toFixed(5)}, ` +
    `${foreground} of ${r.width}×${r.height} pixels foreground${s.folds === undefined ? '' : `, ${s.folds} folds`}`;
  Object.assign(stats.dataset, { steps: String(s.steps), seconds: String(s.seconds), backend: r.backend, foreground: String(foreground) });
  cert.dataset['passed'] = String(s.certificate.passed);
  cert.textContent = s.certificate.passed
    ? `Certified: ${s.certificate.checked} sampled checks, 0 violations (${s.certificate.property}).`
    : `NOT certified: ${s.certificate.violations} of ${s.certificate.checked} checks violated (${s.certificate.property}).`;
}

async function loadPhoto(blob: Blob, name: string): Promise<void> {
  if (state.busy) return showMessage('A fit is running: stop it first.');
  try {
    const photo = await openPhoto(blob, name, Number($<HTMLSelectElement>('work-size').value));
    state.photo?.bitmap.close();
    state.photo = photo;
    showMessage(null);
    showResult(null);
    inputOf('source-scribbles').checked = true;
    scribbles.clear();
    redraw();
    setStatus(`Photo ${name}: ${photo.bitmap.width}×${photo.bitmap.height}, working at ${photo.width}×${photo.height}. Paint foreground and background.`, 0);
  } catch (err) {
    // The photo, the scribbles and the last result stay as they were.
    showMessage((err as Error).message);
  }
}

async function loadMap(blob: Blob, name: string): Promise<void> {
  if (state.busy) return showMessage('A fit is running: stop it first.');
  try {
    state.map = await openLikelihoodMap(blob, name);
    showMessage(null);
    showResult(null);
    inputOf('source-map').checked = true;
    $('map-name').textContent = `${name} (${state.map.width}×${state.map.height})`;
    redraw();
    setStatus(`Likelihood map ${name}: ${state.map.width}×${state.map.height}.`, 0);
  } catch (err) {
    showMessage((err as Error).message);
  }
}

/** The map to fit: the opened one, or one trained from the scribbles on the photo. */
async function unariesForFit(seed: number): Promise<{ unaries: Uint8Array; width: number; height: number; name: string }> {
  if (inputOf('source-map').checked) {
    if (!state.map) throw new Error('No likelihood map: open one first (or choose "from scribbles").');
    return { unaries: state.map.bytes, width: state.map.width, height: state.map.height, name: state.map.name.replace(/\.[^.]*$/, '') };
  }
  const photo = state.photo;
  if (!photo) throw new Error('No photo: open one, drop one here, or pick a sample first.');
  const { labels, weights, foreground, background } = scribbles.rasterize(photo.width, photo.height);
  if (foreground === 0 && background === 0) throw new Error('No scribbles: paint some foreground (red) and some background (blue) on the photo first.');
  if (foreground === 0) throw new Error('No foreground scribbles: paint over the object with the foreground (red) brush.');
  if (background === 0) throw new Error('No background scribbles: paint around the object with the background (blue) brush.');
  const steps = Number(inputOf('net-steps').value);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`net steps: expected a positive integer, got "${inputOf('net-steps').value}"`);
  setStatus(`Training the scribble net on ${foreground} foreground and ${background} background pixels…`, 0);
  const trained = await client.trainUnaries({ height: photo.height, width: photo.width, rgb: photo.rgb, labels, weights }, steps, seed, (p: Progress) => {
    setStatus(`Training the scribble net: step ${p.step}/${p.steps}, loss ${p.loss.toFixed(4)}`, p.step / p.steps, `net ${p.step}/${p.steps}`);
  });
  return { unaries: trained.unaries, width: photo.width, height: photo.height, name: photo.name.replace(/\.[^.]*$/, '') };
}

async function runFit(): Promise<void> {
  if (state.busy) return;
  let settings;
  try {
    settings = readFitSettings();
  } catch (err) {
    showMessage((err as Error).message);
    return countFinishedFit();
  }
  showMessage(null);
  setBusy(true);
  const previous = state.result;
  try {
    await client.backend;
    const { unaries, width, height, name } = await unariesForFit(settings.seed);
    const kind = settings.prior;
    const prior = settings.member === undefined ? kind : `union of ${settings.member}`;
    setStatus(`Fitting the ${kind} prior…`, 0, 'step 0');
    const summary = await client.fit(unaries, height, width, settings, (p: Progress) => {
      setStatus(`Fitting the ${kind} prior (${p.stage}): loss ${p.loss.toFixed(5)}`, p.step / p.steps, `step ${p.step}`);
      if (p.mask) drawMask(maskCanvas, p.mask, width, height, true);
    });
    showResult({ summary, width, height, unaries, name, prior, backend: backendName });
    setStatus(`Done: ${kind} prior, ${summary.steps} steps.`, 1, `step ${summary.steps}`);
  } catch (err) {
    const message = (err as Error).message;
    showMessage(message === 'stopped' ? 'Stopped: the previous result is kept.' : message);
    setStatus('', 0);
    state.result = previous;
  } finally {
    setBusy(false);
    redraw();
    countFinishedFit();
  }
}

/** Finished Fit presses, failed ones included (body's data-fits): what a test or a script waits on. */
function countFinishedFit(): void {
  document.body.dataset['fits'] = String(Number(document.body.dataset['fits'] ?? 0) + 1);
}

async function download(what: 'mask' | 'unaries'): Promise<void> {
  const r = state.result;
  if (!r) return;
  const bytes = what === 'mask' ? r.summary.mask.map((v) => (v ? 255 : 0)) : r.unaries;
  downloadBlob(await encodeGreyPng(bytes, r.width, r.height), `${r.name}_${what === 'mask' ? 'mask' : 'unaries'}.png`);
}

function wire(): void {
  for (const sample of SAMPLES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = sample.label;
    button.dataset['testid'] = `sample-${sample.id}`;
    button.id = `sample-${sample.id}`;
    button.title = `${sample.label} (suits the ${sample.prior} prior)`;
    button.addEventListener('click', async () => {
      try {
        const response = await fetch(sample.url);
        if (!response.ok) throw new Error(`sample ${sample.id}: HTTP ${response.status}`);
        await loadPhoto(await response.blob(), `${sample.id}.jpg`);
        $<HTMLSelectElement>('prior-kind').value = sample.prior;
        showOptionsFor(sample.prior, $<HTMLSelectElement>('member').value);
      } catch (err) {
        showMessage((err as Error).message);
      }
    });
    $('samples').append(button);
  }
  const photoInput = inputOf('photo-input');
  photoInput.addEventListener('change', () => {
    const file = photoInput.files?.[0];
    if (file) void loadPhoto(file, file.name);
    photoInput.value = '';
  });
  const mapInput = inputOf('map-input');
  mapInput.addEventListener('change', () => {
    const file = mapInput.files?.[0];
    if (file) void loadMap(file, file.name);
    mapInput.value = '';
  });
  const stage = $('stage');
  stage.addEventListener('dragover', (e) => {
    e.preventDefault();
    stage.classList.add('dragging');
  });
  stage.addEventListener('dragleave', () => stage.classList.remove('dragging'));
  stage.addEventListener('drop', (e) => {
    e.preventDefault();
    stage.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void loadPhoto(file, file.name);
  });
  for (const id of ['tool-foreground', 'tool-background']) {
    inputOf(id).addEventListener('change', () => (scribbles.label = inputOf(id).value as ScribbleLabel));
  }
  const brush = inputOf('brush-size');
  brush.addEventListener('input', () => (scribbles.brush = Number(brush.value)));
  scribbles.brush = Number(brush.value);
  $('clear-scribbles').addEventListener('click', () => scribbles.clear());
  for (const id of ['source-scribbles', 'source-map']) inputOf(id).addEventListener('change', redraw);
  $<HTMLSelectElement>('work-size').addEventListener('change', () => {
    if (!state.photo || state.busy) return;
    state.photo = photoAtSize(state.photo, Number($<HTMLSelectElement>('work-size').value));
    redraw();
  });
  fillKindMenus();
  const kind = $<HTMLSelectElement>('prior-kind');
  const member = $<HTMLSelectElement>('member');
  const options = () => showOptionsFor(kind.value, member.value);
  kind.addEventListener('change', options);
  member.addEventListener('change', options);
  options();
  $('fit-button').addEventListener('click', () => void runFit());
  $('stop-button').addEventListener('click', () => {
    client.stop();
    showBackend();
  });
  $('download-mask').addEventListener('click', () => void download('mask'));
  $('download-unaries').addEventListener('click', () => void download('unaries'));
  $<HTMLSelectElement>('backend-select').addEventListener('change', (e) => {
    if (state.busy) return;
    client.close();
    client = new SegmenterClient((e.target as HTMLSelectElement).value as BackendRequest);
    showBackend();
  });
}

wire();
showBackend();
if (backendParam !== requestedBackend) showMessage(`?backend=${backendParam}: unknown backend; choose one of ${BACKEND_CHOICES.join(', ')} (using auto)`);
setBusy(false);
document.body.dataset['state'] = 'starting';
