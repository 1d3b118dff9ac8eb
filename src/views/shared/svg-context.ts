// The part of CanvasRenderingContext2D the map's drawing uses, writing SVG elements instead of pixels, so
// one drawing routine gives the canvas on screen and an SVG file that matches it shape for shape.

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number): string => String(Math.round(v * 100) / 100);

/** The state save() keeps and restore() brings back, as on a canvas. */
const PAINT = ['fillStyle', 'strokeStyle', 'lineWidth', 'globalAlpha', 'font', 'textBaseline', 'tx', 'ty'] as const;
type PaintState = Pick<SvgContext, (typeof PAINT)[number]> & { dash: number[] };

export class SvgContext {
  fillStyle = '#000';
  strokeStyle = '#000';
  lineWidth = 1;
  globalAlpha = 1;
  font = '10px sans-serif';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  private dash: number[] = [];
  /** Only translations are kept: the export draws at one device pixel per CSS pixel. */
  tx = 0;
  ty = 0;
  private stack: PaintState[] = [];
  private path: string[] = [];
  private readonly out: string[] = [];
  /** drawScene reads the canvas height to clear it; an SVG has nothing to clear. */
  readonly canvas: { width: number; height: number };

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = { width, height };
  }

  save(): void {
    const state = { dash: [...this.dash] } as PaintState;
    for (const k of PAINT) (state as Record<string, unknown>)[k] = this[k];
    this.stack.push(state);
  }
  restore(): void {
    const state = this.stack.pop();
    if (!state) return;
    Object.assign(this, state);
  }
  setLineDash(d: number[]): void {
    this.dash = [...d];
  }
  setTransform(_a: number, _b: number, _c: number, _d: number, e: number, f: number): void {
    this.tx = e;
    this.ty = f;
  }
  translate(x: number, y: number): void {
    this.tx += x;
    this.ty += y;
  }
  clearRect(): void {}

  private fillAttrs(): string {
    const a = this.globalAlpha;
    return `fill="${esc(this.fillStyle)}"${a < 1 ? ` fill-opacity="${n(a)}"` : ''}`;
  }
  private strokeAttrs(): string {
    return (
      `fill="none" stroke="${esc(this.strokeStyle)}" stroke-width="${n(this.lineWidth)}"` +
      `${this.globalAlpha < 1 ? ` stroke-opacity="${n(this.globalAlpha)}"` : ''}` +
      `${this.dash.length ? ` stroke-dasharray="${this.dash.join(' ')}"` : ''}`
    );
  }
  private xy(x: number, y: number): string {
    return `${n(x + this.tx)} ${n(y + this.ty)}`;
  }

  fillRect(x: number, y: number, w: number, h: number): void {
    this.out.push(
      `<rect x="${n(x + this.tx)}" y="${n(y + this.ty)}" width="${n(w)}" height="${n(h)}" ${this.fillAttrs()}/>`,
    );
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.out.push(
      `<rect x="${n(x + this.tx)}" y="${n(y + this.ty)}" width="${n(w)}" height="${n(h)}" ${this.strokeAttrs()}/>`,
    );
  }
  beginPath(): void {
    this.path = [];
  }
  moveTo(x: number, y: number): void {
    this.path.push(`M${this.xy(x, y)}`);
  }
  lineTo(x: number, y: number): void {
    this.path.push(`L${this.xy(x, y)}`);
  }
  closePath(): void {
    this.path.push('Z');
  }
  fill(): void {
    if (this.path.length) this.out.push(`<path d="${this.path.join('')}" ${this.fillAttrs()}/>`);
  }
  stroke(): void {
    if (this.path.length) this.out.push(`<path d="${this.path.join('')}" ${this.strokeAttrs()}/>`);
  }
  fillText(text: string, x: number, y: number): void {
    const base = this.textBaseline;
    const baseline = base === 'top' ? 'hanging' : base === 'middle' ? 'middle' : 'alphabetic';
    // "10px "JetBrains Mono", monospace" → a size and a family list.
    const m = /^\s*(?:(\d+|bold)\s+)?(\d+(?:\.\d+)?)px\s+(.*)$/.exec(this.font);
    const weight = m?.[1] === 'bold' || Number(m?.[1]) >= 600 ? ' font-weight="600"' : '';
    this.out.push(
      `<text x="${n(x + this.tx)}" y="${n(y + this.ty)}" dominant-baseline="${baseline}" font-size="${m?.[2] ?? 10}" font-family="${esc(m?.[3] ?? 'sans-serif')}"${weight} ${this.fillAttrs()}>${esc(text)}</text>`,
    );
  }

  /** The document: everything drawn so far, on a background of `background`. */
  toSvg(background: string, title: string): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n` +
      `<title>${esc(title)}</title>\n` +
      `<rect width="100%" height="100%" fill="${esc(background)}"/>\n` +
      this.out.join('\n') +
      `\n</svg>\n`
    );
  }
}
