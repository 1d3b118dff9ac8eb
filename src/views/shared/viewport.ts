// One axis of an address space on screen: which page sits at the left edge (a bigint page number plus a
// fraction of a page, so a 57-bit address space keeps 4 KiB precision however far it is zoomed) and how
// many pages one pixel covers. Pure functions over a small object; the lanes keep one each, outside
// React state.

/** 57-bit addresses (5-level VT-d) in 4 KiB pages. */
export const MAX_PAGE = 2 ** 45;
/** The deepest zoom: one 4 KiB page is 64 pixels wide. */
export const MIN_SCALE = 1 / 64;

export interface Viewport {
  /** The whole page at x = 0 … */
  origin: bigint;
  /** … and how far into it x = 0 is (0 ≤ frac < 1). */
  frac: number;
  /** Pages per pixel. */
  scale: number;
  /** Number(origin), made once: a frame converts thousands of pages to pixels (exact below 2^53). */
  originPages: number;
}

/** x of a page number (page numbers of a 57-bit space are exact as plain numbers). */
export function xOf(v: Viewport, page: number): number {
  return (page - v.originPages - v.frac) / v.scale;
}

/** The page (fractional) at pixel x. */
export function pageAt(v: Viewport, x: number): number {
  return v.originPages + v.frac + x * v.scale;
}

/** A viewport whose left edge is at fractional page `left`, kept inside the address space. */
function at(left: number, scale: number, width: number): Viewport {
  const s = Math.min(Math.max(scale, MIN_SCALE), MAX_PAGE / Math.max(1, width));
  const l = Math.min(Math.max(left, 0), Math.max(0, MAX_PAGE - width * s));
  const whole = Math.floor(l);
  return { origin: BigInt(whole), frac: l - whole, scale: s, originPages: whole };
}

/** Shows [lo, hi) pages across width pixels, centred, with a margin of 2% each side. */
export function fit(lo: number, hi: number, width: number): Viewport {
  const span = Math.max(hi - lo, 1);
  const scale = Math.max((span * 1.04) / Math.max(1, width), MIN_SCALE);
  return at((lo + hi) / 2 - (width * scale) / 2, scale, width);
}

/** Zooms by factor (> 1 zooms out) keeping the page under pixel x where it is. */
export function zoomAt(v: Viewport, x: number, factor: number, width: number): Viewport {
  const anchor = pageAt(v, x);
  const scale = Math.min(Math.max(v.scale * factor, MIN_SCALE), MAX_PAGE / Math.max(1, width));
  return at(anchor - x * scale, scale, width);
}

/** Moves the view by dx pixels (positive shows lower addresses). */
export function pan(v: Viewport, dx: number, width: number): Viewport {
  return at(pageAt(v, 0) - dx * v.scale, v.scale, width);
}

/** The visible page range [lo, hi). */
export function visiblePages(v: Viewport, width: number): [number, number] {
  return [pageAt(v, 0), pageAt(v, width)];
}
