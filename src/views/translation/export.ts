// The translation map as a file: SVG (the same drawing routine writing elements) or PNG (at twice the
// screen's pixels), with the lane names and a title line saying which scenario and step it shows.

import { SvgContext } from '../shared/svg-context';
import { drawScene, type Scene } from './draw';
import { LABEL_WIDTH, type Lane } from './layout';

export interface MapSnapshot {
  scene: Scene;
  height: number;
}

/** Room above the lanes for the title line. */
const HEADER = 30;
const PNG_SCALE = 2;

let source: (() => MapSnapshot | null) | null = null;

/** The map on screen registers how to read what it draws; null when it goes away. */
export function setMapSource(fn: (() => MapSnapshot | null) | null): void {
  source = fn;
}

type Ctx = Pick<
  CanvasRenderingContext2D,
  'fillStyle' | 'font' | 'textBaseline' | 'fillText' | 'fillRect' | 'save' | 'restore' | 'translate'
>;

/** The title and each lane's name and subtitle, left of and above where drawScene draws. */
function drawFrame(ctx: Ctx, lanes: Lane[], title: string, scene: Scene, width: number): void {
  const p = scene.palette;
  ctx.fillStyle = p.panel;
  ctx.fillRect(0, 0, width, HEADER + Math.max(...lanes.map((l) => l.top + l.height), 0) + 8);
  ctx.fillStyle = p.fg;
  ctx.textBaseline = 'top';
  ctx.font = '600 12px Inter, system-ui, sans-serif';
  ctx.fillText(title, 8, 8);
  for (const l of lanes) {
    ctx.fillStyle = p.fg;
    if (l.level) {
      // A page-table row is one line high: its level and what an entry maps, side by side.
      ctx.font = '10px Inter, system-ui, sans-serif';
      ctx.fillText(`${l.title} ${l.subtitle}`, 24, HEADER + l.top);
      continue;
    }
    ctx.font = '600 11px Inter, system-ui, sans-serif';
    ctx.fillText(l.title, 8, HEADER + l.top + 2);
    if (l.subtitle) {
      ctx.fillStyle = p.muted;
      ctx.font = '10px Inter, system-ui, sans-serif';
      ctx.fillText(l.subtitle, 8, HEADER + l.top + 16);
    }
  }
}

const sizeOf = (s: MapSnapshot) => ({ w: LABEL_WIDTH + s.scene.width, h: HEADER + s.height });

/** The map as an SVG document, or null when no map is on screen. */
export function mapSvg(title: string): string | null {
  const snap = source?.();
  if (!snap) return null;
  const { w, h } = sizeOf(snap);
  const svg = new SvgContext(w, h);
  drawFrame(svg as unknown as Ctx, snap.scene.lanes, title, snap.scene, w);
  svg.translate(LABEL_WIDTH, HEADER);
  drawScene(svg as unknown as CanvasRenderingContext2D, snap.scene);
  return svg.toSvg(snap.scene.palette.panel, title);
}

/** The map as a PNG, or null when no map is on screen. */
export async function mapPng(title: string): Promise<Blob | null> {
  const snap = source?.();
  if (!snap) return null;
  const { w, h } = sizeOf(snap);
  const out = document.createElement('canvas');
  out.width = w * PNG_SCALE;
  out.height = h * PNG_SCALE;
  const ctx = out.getContext('2d')!;
  ctx.scale(PNG_SCALE, PNG_SCALE);
  drawFrame(ctx, snap.scene.lanes, title, snap.scene, w);
  // drawScene clears what it draws on, so it draws on a layer of its own laid over the frame.
  const layer = document.createElement('canvas');
  layer.width = snap.scene.width * PNG_SCALE;
  layer.height = snap.height * PNG_SCALE;
  const lctx = layer.getContext('2d')!;
  lctx.setTransform(PNG_SCALE, 0, 0, PNG_SCALE, 0, 0);
  drawScene(lctx, snap.scene);
  ctx.drawImage(layer, LABEL_WIDTH, HEADER, snap.scene.width, snap.height);
  return new Promise((resolve) => out.toBlob((b) => resolve(b), 'image/png'));
}
