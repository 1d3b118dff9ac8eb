// Drawing the translation map: each lane's runs at the level of detail its zoom needs (runs narrower
// than a pixel merged into one bucket), the bands that join what translates to what, the PTE levels on
// the iova axis, the selection's footprint and this step's changes outlined. Geometry in, pixels out:
// no state of its own.

import type { Changes, Ranges } from '../../model/inspect/diff';
import { ADDED, CHANGED, REMOVED } from '../../model/inspect/diff';
import type { Space } from '../../model/inspect/follow';
import { firstEndingAfter } from '../../model/lib/search';
import {
  FRAME_HUGE_1G,
  FRAME_HUGE_2M,
  FRAME_MMIO,
  VMA_MMIO,
  VMA_NONE,
  type StepState,
} from '../../model/inspect/state';
import type { Palette } from '../shared/colors';
import type { Footprint, PageRanges } from '../shared/footprint';
import { forVisible } from '../shared/lod';
import { visiblePages, xOf, type Viewport } from '../shared/viewport';
import { runOf, type Lane, type Layer, type Layers } from './layout';

export interface Scene {
  state: StepState;
  layers: Layers;
  lanes: Lane[];
  /** Viewport of each address space's axis. */
  view: Record<Space, Viewport>;
  width: number;
  palette: Palette;
  footprint: Footprint | null;
  changes: Changes | null;
  /** The followed address: the page it reaches in each space, in the order of the chain. */
  chain: Array<{ space: Space; page: number }> | null;
}

type Ctx = CanvasRenderingContext2D;

/** Calls fn(x0, x1, first, count) for each visible group of a layer, x clipped to the canvas. */
function eachVisible(
  layer: Layer,
  v: Viewport,
  width: number,
  fn: (x0: number, x1: number, first: number, count: number) => void,
): void {
  const [lo, hi] = visiblePages(v, width);
  forVisible(layer.pyramid, lo, hi, v.scale, (start, end, first, count) => {
    const x0 = Math.max(-1, xOf(v, start));
    const x1 = Math.min(width + 1, xOf(v, end));
    fn(x0, Math.max(x1, x0 + 1), first, count);
  });
}

const PTE_COLOR: Record<number, keyof Palette> = { 1: 'pte4k', 2: 'pte2m', 3: 'pte1g' };

/**
 * Fills a layer's visible groups. Groups that touch on screen and have one colour become one rectangle,
 * and the fill style is set only when the colour changes: a zoomed-out 1 TiB lane is a few rectangles,
 * not one per pixel.
 */
function fillLayer(
  ctx: Ctx,
  layer: Layer,
  v: Viewport,
  width: number,
  y: number,
  h: number,
  color: (row: number) => string,
): void {
  let style = '';
  let runColor = '';
  let runX0 = 0;
  let runX1 = -Infinity;
  const flush = () => {
    if (runX1 === -Infinity) return;
    if (runColor !== style) ctx.fillStyle = style = runColor;
    ctx.fillRect(runX0, y, runX1 - runX0, h);
  };
  eachVisible(layer, v, width, (x0, x1, first) => {
    const c = color(first);
    if (c === runColor && x0 <= runX1 + 1) {
      if (x1 > runX1) runX1 = x1;
      return;
    }
    flush();
    runColor = c;
    runX0 = x0;
    runX1 = x1;
  });
  flush();
}

/**
 * Calls fn(x0, x1) for the visible ranges of one space (sorted by start), ranges that touch on screen
 * merged into one: a step that changed half a million scattered frames is about one run per pixel, not
 * one per range. `disjoint` when none overlap, which lets the first visible one be found by binary
 * search (their ends then ascend). Returns how many ranges were in view.
 */
function eachScreenRun(
  lo: ArrayLike<number>,
  pages: ArrayLike<number>,
  n: number,
  v: Viewport,
  width: number,
  margin: number,
  disjoint: boolean,
  fn: (x0: number, x1: number) => void,
): number {
  const [vlo, vhi] = visiblePages(v, width);
  // Overlapping runs (vaddr ranges may) are walked from the first.
  const a = disjoint ? firstEndingAfter(lo, pages, n, vlo) : 0;
  let shown = 0;
  let x0 = 0;
  let x1 = -Infinity;
  for (let i = a; i < n && lo[i]! < vhi; i++) {
    if (lo[i]! + pages[i]! <= vlo) continue;
    shown++;
    const s = Math.max(-margin, xOf(v, lo[i]!));
    const e = Math.min(width + margin, xOf(v, lo[i]! + pages[i]!));
    if (s <= x1 + 1) {
      if (e > x1) x1 = e;
      continue;
    }
    if (x1 !== -Infinity) fn(x0, x1);
    x0 = s;
    x1 = e;
  }
  if (x1 !== -Infinity) fn(x0, x1);
  return shown;
}

/**
 * Outlines the visible ranges of one space in a lane (see eachScreenRun). `narrowAsTick` marks ranges
 * narrower than 6 px with a tick above the lane instead of a box over them.
 */
function strokeRanges(
  ctx: Ctx,
  lo: ArrayLike<number>,
  pages: ArrayLike<number>,
  n: number,
  v: Viewport,
  width: number,
  y: number,
  h: number,
  disjoint = true,
  narrowAsTick = false,
): void {
  eachScreenRun(lo, pages, n, v, width, 2, disjoint, (x0, x1) => {
    // A range a few pixels wide outlined would hide what it outlines: it gets a tick above the lane.
    if (narrowAsTick && x1 - x0 < 6) ctx.fillRect(x0, y - 2, Math.max(2, x1 - x0), 3);
    else ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(1, x1 - x0) - 1, h - 1);
  });
}

/** A step's changed ranges split by kind, made once per step (the frame draws them many times). */
const byKind = new WeakMap<Ranges, Array<{ kind: number; lo: Float64Array; pages: Float64Array }>>();

function changesByKind(r: Ranges): Array<{ kind: number; lo: Float64Array; pages: Float64Array }> {
  const hit = byKind.get(r);
  if (hit) return hit;
  // Two passes over the ranges in all (a half-million-frame step has as many): count per kind, then fill.
  const kinds = [ADDED, REMOVED, CHANGED];
  const n = [0, 0, 0, 0];
  for (let i = 0; i < r.length; i++) n[r.cols.kind[i]!]!++;
  const out = kinds.map((kind) => ({ kind, lo: new Float64Array(n[kind]!), pages: new Float64Array(n[kind]!) }));
  const at = [0, 0, 0, 0];
  for (let i = 0; i < r.length; i++) {
    const kind = r.cols.kind[i]!;
    const o = out[kind - 1]!;
    o.lo[at[kind]!] = r.cols.lo[i]!;
    o.pages[at[kind]!++] = r.cols.pages[i]!;
  }
  byKind.set(r, out);
  return out;
}

function drawChanges(ctx: Ctx, p: Palette, r: Ranges, v: Viewport, width: number, y: number, h: number): void {
  for (const { kind, lo, pages } of changesByKind(r)) {
    if (lo.length === 0) continue;
    ctx.strokeStyle = ctx.fillStyle = kind === ADDED ? p.added : kind === REMOVED ? p.removed : p.changed;
    ctx.lineWidth = 2;
    ctx.setLineDash(kind === REMOVED ? [4, 3] : []);
    strokeRanges(ctx, lo, pages, lo.length, v, width, y - 2, h + 4, true, true);
  }
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
}

/** Draws the selection's ranges in one lane (sorted, merged); how many were in view. */
function drawFootprint(ctx: Ctx, p: Palette, r: PageRanges, v: Viewport, width: number, y: number, h: number): number {
  const n = r.lo.length;
  if (n === 0) return 0;
  ctx.save();
  ctx.globalAlpha = 0.35;
  ctx.fillStyle = p.select;
  // Filled with level of detail too: a 1 TiB vfio_dma reaches half a million host runs.
  const shown = eachScreenRun(r.lo, r.pages, n, v, width, 1, true, (x0, x1) =>
    ctx.fillRect(x0, y, Math.max(2, x1 - x0), h),
  );
  ctx.globalAlpha = 1;
  ctx.strokeStyle = p.select;
  ctx.lineWidth = 2;
  strokeRanges(ctx, r.lo, r.pages, n, v, width, y - 1, h + 2);
  ctx.restore();
  return shown;
}

/** The followed address: a marker on each lane it reaches, joined lane by lane. */
function drawChain(ctx: Ctx, p: Palette, sc: Scene, view: Record<Space, Viewport>): number {
  const points: Array<[number, number]> = [];
  for (const hop of sc.chain!) {
    const lane = sc.lanes.find((l) => l.space === hop.space && l.level === undefined);
    if (!lane) continue;
    const x = xOf(view[hop.space], hop.page + 0.5);
    if (x < -4 || x > sc.width + 4) continue;
    points.push([x, lane.top + lane.height / 2]);
  }
  // Lane by lane, top to bottom: the chain touches each address space once.
  points.sort((a, b) => a[1] - b[1]);
  ctx.save();
  ctx.strokeStyle = p.follow;
  ctx.fillStyle = p.follow;
  ctx.lineWidth = 2;
  ctx.setLineDash([5, 3]);
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
  ctx.setLineDash([]);
  for (const [x, y] of points) {
    ctx.beginPath();
    ctx.moveTo(x, y - 7);
    ctx.lineTo(x + 6, y);
    ctx.lineTo(x, y + 7);
    ctx.lineTo(x - 6, y);
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
  return points.length;
}

/**
 * Bands between two lanes: for each visible group of `layer`, a quad from its span above to its image
 * below. Consecutive groups whose images continue each other (one contiguous translation cut into many
 * runs) are drawn as one quad.
 */
function drawBands(
  ctx: Ctx,
  layer: Layer,
  target: (row: number) => number,
  fromView: Viewport,
  toView: Viewport,
  width: number,
  yFrom: number,
  yTo: number,
  color: string,
): void {
  ctx.fillStyle = color;
  let drawn = 0;
  // The quad being grown: its top span and its image's span.
  let a0 = 0;
  let a1 = -Infinity;
  let b0 = 0;
  let b1 = 0;
  // Stubs that touch are one rectangle: zoomed into the iova axis, most images are off screen.
  let s0 = 0;
  let s1 = -Infinity;
  const flushStub = () => {
    if (s1 !== -Infinity) ctx.fillRect(s0, yFrom, Math.max(1, s1 - s0), 4);
    s1 = -Infinity;
  };
  const flush = () => {
    if (a1 === -Infinity) return;
    const right = a1;
    a1 = -Infinity;
    if ((b0 < -10 && b1 < -10) || (b0 > width + 10 && b1 > width + 10)) {
      // The image is off screen: a short stub says the band leaves the view.
      if (a0 <= s1 + 1) s1 = Math.max(s1, right);
      else {
        flushStub();
        s0 = a0;
        s1 = right;
      }
      return;
    }
    flushStub();
    ctx.beginPath();
    ctx.moveTo(a0, yFrom);
    ctx.lineTo(right, yFrom);
    ctx.lineTo(Math.max(b1, b0 + 1), yTo);
    ctx.lineTo(b0, yTo);
    ctx.closePath();
    ctx.fill();
  };
  eachVisible(layer, fromView, width, (x0, x1, first, count) => {
    // A band per group; a group of many scattered runs points at its first run's place.
    if (drawn > 4000) return;
    const pages = count === 1 ? layer.pages[first]! : (x1 - x0) * fromView.scale;
    const t0 = xOf(toView, target(first));
    const t1 = xOf(toView, target(first) + pages);
    if (a1 !== -Infinity && x0 <= a1 + 1 && Math.abs(t0 - b1) <= 0.5) {
      a1 = Math.max(a1, x1);
      b1 = t1;
      return;
    }
    flush();
    drawn++;
    a0 = x0;
    a1 = x1;
    b0 = t0;
    b1 = t1;
  });
  flush();
  flushStub();
}

/** JetBrains Mono's advance at 10px (0.6 em): known, so the SVG export needs no measureText. */
const MONO_10PX_ADVANCE = 6;

function axis(ctx: Ctx, p: Palette, v: Viewport, width: number, y: number): void {
  const [lo, hi] = visiblePages(v, width);
  // Ticks at a power-of-two byte step that leaves at least 110 pixels between labels.
  let step = 4096;
  while (step / 4096 / v.scale < 110) step *= 2;
  const stepPages = step / 4096;
  ctx.fillStyle = p.muted;
  ctx.strokeStyle = p.line;
  ctx.font = '10px "JetBrains Mono", monospace';
  ctx.textBaseline = 'top';
  for (let page = Math.ceil(lo / stepPages) * stepPages; page < hi; page += stepPages) {
    const x = Math.round(xOf(v, page)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y + 3);
    ctx.stroke();
    const label = formatAddr(page);
    // A label cut by the lane's right edge reads as a different address; the tick alone stays.
    if (x + 2 + label.length * MONO_10PX_ADVANCE <= width) ctx.fillText(label, x + 2, y + 2);
  }
}

/** A page's byte address as hex. */
export function formatAddr(page: number): string {
  return '0x' + (BigInt(Math.round(page)) << 12n).toString(16);
}

export interface Drawn {
  /** How many of the selection's ranges are in view, per lane. */
  highlighted: Partial<Record<Space, number>>;
  /** Lanes on which the followed address is marked. */
  chainMarks: number;
}

/** Draws the map; says what of the selection and the followed address it drew (the page reports it). */
export function drawScene(ctx: Ctx, sc: Scene): Drawn {
  const highlighted: Partial<Record<Space, number>> = {};
  let chainMarks = 0;
  const { state: s, layers: L, width: w, palette: p, view } = sc;
  ctx.clearRect(0, 0, w, ctx.canvas.height);
  const laneOf = (id: string) => sc.lanes.find((l) => l.id === id);
  // Lane backgrounds.
  for (const lane of sc.lanes) {
    ctx.fillStyle = p.lane;
    ctx.fillRect(0, lane.top, w, lane.height);
  }
  const gpa = laneOf('gpa');
  const hva = laneOf('hva')!;
  const iova = laneOf('iova')!;
  const hpa = laneOf('hpa')!;
  const dma = laneOf('dma');
  const ptLanes = sc.lanes.filter((l) => l.level !== undefined);
  const ptBottom = ptLanes.length ? ptLanes.at(-1)!.top + ptLanes.at(-1)!.height : iova.top + iova.height;

  // ---- bands, under everything ----
  ctx.save();
  ctx.globalAlpha = 0.22;
  if (gpa)
    drawBands(
      ctx,
      L.memslots,
      (r) => s.memslots.cols.vpfn[r]!,
      view.gpa,
      view.hva,
      w,
      gpa.top + gpa.height,
      hva.top,
      p.ram,
    );
  drawBands(
    ctx,
    L.dmasByVaddr,
    (r) => s.dmas.cols.iova[L.dmaVaddrRows[r]!]!,
    view.hva,
    view.iova,
    w,
    hva.top + hva.height,
    iova.top,
    p.dma,
  );
  if (s.iommu && L.pt) {
    for (const [level, lv] of L.pt)
      drawBands(
        ctx,
        lv.leaves,
        (r) => s.iommu!.runs.cols.pfn[runOf(lv, r)]!,
        view.iova,
        view.hpa,
        w,
        ptBottom,
        hpa.top,
        p[PTE_COLOR[level] ?? 'pte4k'],
      );
  } else
    drawBands(ctx, L.pins, (r) => s.pins.cols.pfn[r]!, view.iova, view.hpa, w, iova.top + iova.height, hpa.top, p.pin1);
  if (dma && s.gpu && L.gpuPt)
    drawBands(
      ctx,
      L.gpuPt,
      (r) => s.gpu!.runs.cols.pfn[r]!,
      view.dma,
      view.hpa,
      w,
      dma.top,
      hpa.top + hpa.height,
      p.vendor,
    );
  ctx.restore();

  // ---- guest physical: memslots, and the vendor's entries as ticks ----
  if (gpa) {
    fillLayer(ctx, L.memslots, view.gpa, w, gpa.top + 4, gpa.height - 8, () => p.ram);
    fillLayer(ctx, L.vendorByGfn, view.gpa, w, gpa.top + gpa.height - 9, 7, () => p.vendor);
  }
  // ---- QEMU virtual: VMAs by what backs them, vfio_dma vaddr ranges outlined ----
  fillLayer(ctx, L.vmas, view.hva, w, hva.top + 4, hva.height - 8, (r) => {
    const row = L.vmaRows[r]!;
    const kind = s.vmas.cols.kind[row];
    const unit = s.vmas.cols.unit[row]!;
    return kind === VMA_MMIO
      ? p.mmio
      : kind === VMA_NONE
        ? p.hole
        : unit === 512
          ? p.huge2m
          : unit > 512
            ? p.huge1g
            : p.ram;
  });
  ctx.strokeStyle = p.dma;
  ctx.lineWidth = 1.5;
  strokeRanges(
    ctx,
    L.dmasByVaddr.start,
    L.dmasByVaddr.pages,
    L.dmasByVaddr.length,
    view.hva,
    w,
    hva.top + 2,
    hva.height - 4,
    // Two vfio_dma entries may map the same vaddr range.
    false,
  );
  ctx.lineWidth = 1;
  // ---- iova: allowed ranges, vfio_dma entries, vfio_pfn pins ----
  ctx.save();
  ctx.globalAlpha = 0.5;
  fillLayer(ctx, L.allowed, view.iova, w, iova.top + iova.height - 3, 3, () => p.allowed);
  ctx.restore();
  fillLayer(ctx, L.dmasByIova, view.iova, w, iova.top + 4, iova.height - 12, (r) =>
    (s.dmas.cols.flags[r]! & 2) !== 0 ? p.dmaInvalid : p.dma,
  );
  fillLayer(ctx, L.pins, view.iova, w, iova.top + iova.height - 8, 5, (r) =>
    s.pins.cols.ref[r]! > 1 ? p.pinN : p.pin1,
  );
  // ---- the IOMMU page table on the iova axis: table pages (non-leaf entries) and leaves by size ----
  if (s.iommu && L.pt)
    for (const lane of ptLanes) {
      const lv = L.pt.get(lane.level!)!;
      fillLayer(ctx, lv.tables, view.iova, w, lane.top + 2, lane.height - 4, () => p.table);
      fillLayer(
        ctx,
        lv.leaves,
        view.iova,
        w,
        lane.top + 1,
        lane.height - 2,
        () => p[PTE_COLOR[lane.level!] ?? 'pte4k'],
      );
    }
  // ---- host physical: what backs each frame, then the pins ----
  ctx.save();
  ctx.globalAlpha = 0.45;
  fillLayer(ctx, L.frames, view.hpa, w, hpa.top + 4, hpa.height - 8, (r) => {
    const k = s.frames.cols.kind[r];
    return k === FRAME_MMIO ? p.mmio : k === FRAME_HUGE_2M ? p.huge2m : k === FRAME_HUGE_1G ? p.huge1g : p.ram;
  });
  ctx.restore();
  fillLayer(ctx, L.hostPins, view.hpa, w, hpa.top + 8, hpa.height - 16, (r) =>
    s.hostPins.cols.pins[r]! > 1 ? p.pinN : p.pin1,
  );
  // ---- the GPU's DMA space: its domain's PTEs and iova.c ranges ----
  if (dma) {
    if (L.gpuIovad) {
      ctx.save();
      ctx.globalAlpha = 0.5;
      fillLayer(ctx, L.gpuIovad, view.dma, w, dma.top + dma.height - 5, 4, () => p.iovaRange);
      ctx.restore();
    }
    if (L.gpuPt)
      fillLayer(
        ctx,
        L.gpuPt,
        view.dma,
        w,
        dma.top + 4,
        dma.height - 12,
        (r) => p[PTE_COLOR[s.gpu!.runs.cols.level[r]!] ?? 'pte4k'],
      );
  }

  // ---- this step's changes, then the selection ----
  const c = sc.changes;
  for (const lane of sc.lanes) {
    if (c && lane.level === undefined) drawChanges(ctx, p, c[lane.space], view[lane.space], w, lane.top, lane.height);
    if (sc.footprint && lane.level === undefined)
      highlighted[lane.space] = drawFootprint(
        ctx,
        p,
        sc.footprint[lane.space],
        view[lane.space],
        w,
        lane.top + 1,
        lane.height - 2,
      );
  }
  if (sc.footprint && ptLanes.length)
    drawFootprint(ctx, p, sc.footprint.iova, view.iova, w, ptLanes[0]!.top, ptBottom - ptLanes[0]!.top);

  if (sc.chain) chainMarks = drawChain(ctx, p, sc, view);

  // ---- axes under each address lane (the iova lane's under its page-table rows, not over them) ----
  for (const lane of sc.lanes)
    if (lane.level === undefined)
      axis(ctx, p, view[lane.space], w, lane.id === 'iova' ? ptBottom : lane.top + lane.height);
  return { highlighted, chainMarks };
}
