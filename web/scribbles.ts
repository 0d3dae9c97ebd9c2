/**
 * Foreground and background scribbles painted with the mouse. Strokes are kept as
 * paths in normalised image coordinates ([0, 1] across each side), so they survive a
 * change of the working resolution and are rasterised at whatever grid the net
 * trains on.
 */
export type ScribbleLabel = 'foreground' | 'background';

interface Stroke {
  label: ScribbleLabel;
  /** Brush diameter as a fraction of the image's longer side. */
  size: number;
  points: Array<[number, number]>;
}

const COLOURS: Record<ScribbleLabel, string> = { foreground: 'rgb(255, 40, 40)', background: 'rgb(40, 120, 255)' };

export class ScribbleLayer {
  private strokes: Stroke[] = [];
  private current: Stroke | null = null;
  label: ScribbleLabel = 'foreground';
  /** Brush diameter in display pixels of the canvas's own resolution. */
  brush = 12;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    canvas.addEventListener('pointerdown', (e) => this.begin(e));
    canvas.addEventListener('pointermove', (e) => this.extend(e));
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'] as const) canvas.addEventListener(type, () => this.end());
  }

  get count(): number {
    return this.strokes.length;
  }

  clear(): void {
    this.strokes = [];
    this.current = null;
    this.redraw();
    this.onChange();
  }

  /** Resizes the canvas (its pixels) and redraws the strokes on it. */
  resize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
    this.redraw();
  }

  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  }

  private begin(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.canvas.setPointerCapture?.(e.pointerId);
    this.current = { label: this.label, size: this.brush / Math.max(this.canvas.width, this.canvas.height), points: [this.at(e)] };
    this.strokes.push(this.current);
    this.redraw();
  }

  private extend(e: PointerEvent): void {
    if (!this.current) return;
    this.current.points.push(this.at(e));
    this.redraw();
  }

  private end(): void {
    if (!this.current) return;
    this.current = null;
    this.onChange();
  }

  private redraw(): void {
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    paint(ctx, this.strokes, this.canvas.width, this.canvas.height, 0.85);
  }

  /**
   * The scribbles on a width x height grid: labels (1 foreground, 0 background) and
   * weights (1 scribbled, 0 not), later strokes over earlier ones, with how many
   * pixels each class got.
   */
  rasterize(width: number, height: number): { labels: Float32Array; weights: Float32Array; foreground: number; background: number } {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    paint(ctx, this.strokes, width, height, 1);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const labels = new Float32Array(width * height);
    const weights = new Float32Array(width * height);
    let foreground = 0;
    let background = 0;
    for (let i = 0; i < width * height; i++) {
      // Anti-aliased edges: a pixel counts when it is mostly covered.
      if (rgba[4 * i + 3]! < 128) continue;
      weights[i] = 1;
      if (rgba[4 * i]! > rgba[4 * i + 2]!) {
        labels[i] = 1;
        foreground++;
      } else {
        background++;
      }
    }
    return { labels, weights, foreground, background };
  }
}

function paint(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, strokes: Stroke[], width: number, height: number, alpha: number): void {
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const long = Math.max(width, height);
  for (const s of strokes) {
    ctx.strokeStyle = COLOURS[s.label];
    ctx.fillStyle = COLOURS[s.label];
    // At least one pixel wide on the coarsest grid, so a thin stroke still labels something.
    const w = Math.max(1.5, s.size * long);
    const [x0, y0] = s.points[0]!;
    if (s.points.length === 1) {
      ctx.beginPath();
      ctx.arc(x0 * width, y0 * height, w / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.lineWidth = w;
    ctx.beginPath();
    ctx.moveTo(x0 * width, y0 * height);
    for (const [x, y] of s.points.slice(1)) ctx.lineTo(x * width, y * height);
    ctx.stroke();
  }
  ctx.restore();
}
