// The translation map: one lane per address space with the IOMMU page table's levels on the iova axis,
// bands for every translation, this step's changes outlined, the one selection highlighted everywhere.
// Each lane zooms and pans on its own axis (the guest physical lane follows the iova lane: QEMU maps
// iova == gpa). Pan and zoom change viewports held here, outside React state, and ask the frame owner
// for a redraw: no worker round trip, no re-render per frame.

import { useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { Space } from '../../model/inspect/follow';
import type { StepState } from '../../model/inspect/state';
import { activeSelection, useSelection, type Selection } from '../../state/selection';
import { useSession } from '../../state/session';
import { selectionFootprint } from '../shared/footprint';
import { drawsCanvas, frameShowsStep, invalidate } from '../shared/frame';
import { count, hexPage, pagesSize } from '../shared/format';
import { usePalette } from '../shared/usePalette';
import { fit, pageAt, pan, zoomAt, type Viewport } from '../shared/viewport';
import { drawScene, type Scene } from './draw';
import { setMapSource } from './export';
import {
  buildLayers,
  contentOf,
  LABEL_WIDTH,
  lanes as lanesOf,
  rowAt,
  totalHeight,
  type Lane,
  type Layers,
} from './layout';

const SPACES: Space[] = ['gpa', 'hva', 'iova', 'hpa', 'dma'];
const LEVEL_NAME: Record<number, string> = { 1: '4 KiB', 2: '2 MiB', 3: '1 GiB', 4: '512 GiB', 5: '256 TiB' };

/** What sits under page p of a lane, as a selection. */
export function pick(s: StepState, L: Layers, lane: Lane, p: number): Selection | null {
  const at = (start: number, pages: number, label: string): Selection => ({
    space: lane.space,
    lo: start,
    pages,
    label,
  });
  switch (lane.id) {
    case 'gpa': {
      const v = rowAt(L.vendorByGfn, p);
      if (v >= 0) {
        const what = s.vendor?.kind === 'kvmgt' ? 'gvt_dma entry' : 'tracked pages';
        return at(
          L.vendorByGfn.start[v]!,
          L.vendorByGfn.pages[v]!,
          `${what} at gfn ${hexPage(L.vendorByGfn.start[v]!)}`,
        );
      }
      const m = rowAt(L.memslots, p);
      return m >= 0
        ? at(L.memslots.start[m]!, L.memslots.pages[m]!, `memslot at gpa ${hexPage(L.memslots.start[m]!)}`)
        : null;
    }
    case 'hva': {
      const d = rowAt(L.dmasByVaddr, p);
      if (d >= 0)
        return at(
          L.dmasByVaddr.start[d]!,
          L.dmasByVaddr.pages[d]!,
          `vaddr of the vfio_dma at iova ${hexPage(s.dmas.cols.iova[L.dmaVaddrRows[d]!]!)}`,
        );
      const v = rowAt(L.vmas, p);
      return v >= 0 ? at(L.vmas.start[v]!, L.vmas.pages[v]!, `VMA "${s.vmaNames[L.vmaRows[v]!] ?? ''}"`) : null;
    }
    case 'iova': {
      const d = rowAt(L.dmasByIova, p);
      if (d >= 0)
        return at(s.dmas.cols.iova[d]!, s.dmas.cols.pages[d]!, `vfio_dma at iova ${hexPage(s.dmas.cols.iova[d]!)}`);
      const pin = rowAt(L.pins, p);
      return pin >= 0
        ? at(L.pins.start[pin]!, L.pins.pages[pin]!, `vfio_pfn run at iova ${hexPage(L.pins.start[pin]!)}`)
        : null;
    }
    case 'hpa': {
      const r = rowAt(L.hostPins, p);
      if (r >= 0)
        return at(
          L.hostPins.start[r]!,
          L.hostPins.pages[r]!,
          `host frames pinned ×${s.hostPins.cols.pins[r]} at ${hexPage(L.hostPins.start[r]!)}`,
        );
      const f = rowAt(L.frames, p);
      return f >= 0
        ? at(L.frames.start[f]!, L.frames.pages[f]!, `host frames at ${hexPage(L.frames.start[f]!)} (not pinned)`)
        : null;
    }
    case 'dma': {
      if (!L.gpuPt) return null;
      const r = rowAt(L.gpuPt, p);
      return r >= 0
        ? at(L.gpuPt.start[r]!, L.gpuPt.pages[r]!, `GPU DMA PTEs at dma_addr ${hexPage(L.gpuPt.start[r]!)}`)
        : null;
    }
    default: {
      const lv = L.pt?.get(lane.level!);
      if (!lv) return null;
      const leaf = rowAt(lv.leaves, p);
      if (leaf >= 0) {
        const n = lv.leaves.pages[leaf]! / 512 ** (lane.level! - 1);
        return at(
          lv.leaves.start[leaf]!,
          lv.leaves.pages[leaf]!,
          `${count(n)} × ${LEVEL_NAME[lane.level!]} PTE${n > 1 ? 's' : ''} at iova ${hexPage(lv.leaves.start[leaf]!)}`,
        );
      }
      const t = rowAt(lv.tables, p);
      return t >= 0
        ? at(
            lv.tables.start[t]!,
            lv.tables.pages[t]!,
            `L${lane.level! - 1} table page covering iova ${hexPage(lv.tables.start[t]!)}`,
          )
        : null;
    }
  }
}

/**
 * What the canvas draws and how it is zoomed, kept outside React: effects hand it the latest props, events
 * change its viewports, and the frame owner calls its draw.
 */
class MapRenderer {
  canvas: HTMLCanvasElement | null = null;
  views: Record<Space, Viewport> | null = null;
  fittedFor: unknown = null;
  scene: Omit<Scene, 'view'> | null = null;
  height = 0;
  /** The step the scene shows, written on the canvas with what is highlighted. */
  shown = -1;
  readonly draw = () => {
    const c = this.canvas;
    const sc = this.scene;
    if (!c || !sc || !this.views) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(sc.width * dpr) || c.height !== Math.round(this.height * dpr)) {
      c.width = Math.round(sc.width * dpr);
      c.height = Math.round(this.height * dpr);
      c.style.width = `${sc.width}px`;
      c.style.height = `${this.height}px`;
    }
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const drawn = drawScene(ctx, { ...sc, view: this.views });
    c.dataset.step = String(this.shown);
    c.dataset.chain = String(drawn.chainMarks);
    c.dataset.highlight = Object.entries(drawn.highlighted)
      .filter(([, n]) => n > 0)
      .map(([space, n]) => `${space}:${n}`)
      .join(' ');
  };

  /** Every lane fitted to its content (guest physical and iova share an axis: QEMU maps iova == gpa). */
  fitAll(layers: Layers, width: number): void {
    const next = {} as Record<Space, Viewport>;
    for (const sp of SPACES) {
      const c = contentOf(layers, sp) ?? [0, 2 ** 20];
      next[sp] = fit(c[0], c[1], width);
    }
    const g = contentOf(layers, 'gpa');
    if (g) {
      const b = contentOf(layers, 'iova') ?? g;
      next.gpa = next.iova = fit(Math.min(g[0], b[0]), Math.max(g[1], b[1]), width);
    }
    this.views = next;
    this.fittedWidth = width;
    this.moved = false;
    invalidate(this.draw);
  }

  /** The width the lanes were last fitted at, and whether the user has zoomed or panned since. */
  private fittedWidth = 0;
  private moved = false;

  readonly attach = (c: HTMLCanvasElement | null) => {
    this.canvas = c;
  };

  /** New props from React: what to draw next frame; the lanes are fitted when another scenario opens. */
  update(scene: Omit<Scene, 'view'>, height: number, doc: unknown, shown: number): void {
    this.scene = scene;
    this.shown = shown;
    this.height = height;
    // Fitted when another scenario opens, and again when the map's width changes before the user has
    // zoomed or panned (the first layout, a resized panel or window).
    if (this.fittedFor !== doc || !this.views || (!this.moved && scene.width !== this.fittedWidth)) {
      this.fitAll(scene.layers, scene.width);
      this.fittedFor = doc;
    }
    invalidate(this.draw);
  }

  private drag: { x: number; space: Space | null; moved: boolean } = { x: 0, space: null, moved: false };

  beginDrag(x: number, space: Space): void {
    this.drag = { x, space, moved: false };
  }

  /** Pans the dragged lane; false while the pointer has not moved enough to call it a drag. */
  dragTo(x: number, width: number): boolean {
    const d = this.drag;
    if (!d.space || !this.views) return false;
    const dx = x - d.x;
    if (Math.abs(dx) <= 2 && !d.moved) return false;
    d.moved = true;
    d.x = x;
    this.setView(d.space, pan(this.views[d.space], dx, width));
    return true;
  }

  /** Ends a drag; true when it was a click. */
  endDrag(): boolean {
    const click = !this.drag.moved;
    this.drag = { x: 0, space: null, moved: false };
    return click;
  }

  setView(space: Space, v: Viewport): void {
    this.moved = true;
    const all = this.views!;
    const linked = all.gpa === all.iova && (space === 'gpa' || space === 'iova');
    all[space] = v;
    if (linked) all.gpa = all.iova = v;
    invalidate(this.draw);
  }
}

export function TranslationView() {
  const state = useSession((s) => s.state);
  const changes = useSession((s) => s.changes);
  const shown = useSession((s) => s.shown);
  const doc = useSession((s) => s.doc);
  const selection = useSelection(activeSelection);
  const palette = usePalette();
  const wrap = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const actions = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [room, setRoom] = useState(0);
  const [r] = useState(() => new MapRenderer());
  const layers = useMemo(() => (state ? buildLayers(state) : null), [state]);
  const lanes = useMemo(() => (state ? lanesOf(state, room) : []), [state, room]);
  const height = totalHeight(lanes);
  const fp = selectionFootprint(state, selection);
  const followed = useSelection((s) => s.follow?.chain ?? null);
  const chain = useMemo(
    () => followed?.hops.map((h) => ({ space: h.space, page: Number(BigInt(h.addr) >> 12n) })) ?? null,
    [followed],
  );
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);

  useLayoutEffect(() => {
    r.attach(canvasRef.current);
    if (!state || !layers) return;
    frameShowsStep(shown);
    r.update({ state, layers, lanes, width, palette, footprint: fp, changes, chain }, height, doc, shown);
  }, [r, state, layers, lanes, width, height, palette, fp, changes, chain, doc, shown]);

  useEffect(() => {
    setMapSource(() => (r.scene && r.views ? { scene: { ...r.scene, view: r.views }, height: r.height } : null));
    return () => setMapSource(null);
  }, [r]);
  useEffect(() => drawsCanvas(r.draw), [r]);

  const hasState = state !== null;
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    // The map's panel, whose height the lanes fill: what is below the map's top, less the buttons under it.
    const panel = el.closest<HTMLElement>('.map-panel');
    const ro = new ResizeObserver(() => {
      setWidth(Math.max(200, Math.floor(el.clientWidth - LABEL_WIDTH)));
      if (!panel || !actions.current) return;
      const top = el.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
      const below = actions.current.offsetHeight + parseFloat(getComputedStyle(actions.current).marginTop);
      const pad = parseFloat(getComputedStyle(panel).paddingBottom);
      setRoom(Math.floor(panel.clientHeight - top - below - pad));
    });
    ro.observe(el);
    if (panel) ro.observe(panel);
    return () => ro.disconnect();
  }, [hasState]);

  const laneAt = (y: number) => lanes.find((l) => y >= l.top && y < l.top + l.height + 2);

  useEffect(() => {
    const c = r.canvas;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      const rect = c.getBoundingClientRect();
      const lane = lanes.find((l) => e.clientY - rect.top >= l.top && e.clientY - rect.top < l.top + l.height + 2);
      if (!lane || !r.views) return;
      e.preventDefault();
      const v = r.views[lane.space];
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY))
        r.setView(lane.space, pan(v, -(e.deltaX || e.deltaY), width));
      else r.setView(lane.space, zoomAt(v, e.clientX - rect.left, Math.exp(e.deltaY * 0.0015), width));
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [r, lanes, width]);

  const pointAt = (e: { clientX: number; clientY: number }) => {
    const rect = r.canvas!.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  const pickAt = (x: number, y: number) => {
    const lane = laneAt(y);
    return lane && state && layers && r.views ? pick(state, layers, lane, pageAt(r.views[lane.space], x)) : null;
  };
  const onPointerDown = (e: ReactPointerEvent) => {
    const lane = laneAt(pointAt(e).y);
    if (!lane) return;
    r.canvas!.setPointerCapture(e.pointerId);
    r.beginDrag(e.clientX, lane.space);
  };
  const onPointerMove = (e: ReactPointerEvent) => {
    if (r.dragTo(e.clientX, width)) return;
    const { x, y } = pointAt(e);
    const sel = pickAt(x, y);
    const cur = useSelection.getState().hover;
    if (sel?.label !== cur?.label || sel?.lo !== cur?.lo) useSelection.getState().set({ hover: sel });
    setTip(sel ? { x, y, text: `${sel.label} · ${pagesSize(sel.pages)}` } : null);
  };
  const onPointerUp = (e: ReactPointerEvent) => {
    if (!r.endDrag()) return;
    const { x, y } = pointAt(e);
    useSelection.getState().set({ pinned: pickAt(x, y) });
  };
  const onDoubleClick = (e: React.MouseEvent) => {
    const lane = laneAt(pointAt(e).y);
    if (!lane || !layers) return;
    const c = contentOf(layers, lane.space);
    if (c) r.setView(lane.space, fit(c[0], c[1], width));
  };
  const zoomToSelection = () => {
    if (!fp || !r.views) return;
    for (const sp of SPACES) {
      const rg = fp[sp];
      if (rg.lo.length > 0) r.setView(sp, fit(rg.lo[0]!, rg.lo.at(-1)! + rg.pages.at(-1)!, width));
    }
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (!r.views || !layers) return;
    const space = selection?.space ?? 'iova';
    const v = r.views[space];
    if (e.key === '+' || e.key === '=') r.setView(space, zoomAt(v, width / 2, 0.5, width));
    else if (e.key === '-') r.setView(space, zoomAt(v, width / 2, 2, width));
    else if (e.key === '0') r.fitAll(layers, width);
    else if (e.key === 'z') zoomToSelection();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  if (!state) return <div className="view-empty">Loading the scenario…</div>;
  return (
    <div className="translation" ref={wrap} data-testid="translation-map">
      <div className="lane-labels" style={{ width: LABEL_WIDTH, height }} aria-hidden="true">
        {lanes.map((l) => (
          <div
            key={l.id}
            className={l.level ? 'lane-label level' : 'lane-label'}
            style={{ top: l.top, height: l.height }}
          >
            <strong>{l.title}</strong>
            <span>{l.subtitle}</span>
          </div>
        ))}
      </div>
      <canvas
        ref={canvasRef}
        id="map-canvas"
        className="translation-canvas"
        style={{ left: LABEL_WIDTH }}
        tabIndex={0}
        role="img"
        aria-label={`Translation map at step ${shown}: ${lanes
          .filter((l) => !l.level)
          .map((l) => l.title)
          .join(', ')}. + and − zoom, 0 fits, z zooms to the selection.`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => {
          setTip(null);
          useSelection.getState().set({ hover: null });
        }}
        onDoubleClick={onDoubleClick}
        onKeyDown={onKeyDown}
      />
      {tip && (
        <div
          className="map-tip"
          style={{ left: Math.min(tip.x + LABEL_WIDTH + 12, width), top: tip.y + 14 }}
          aria-hidden="true"
        >
          {tip.text}
        </div>
      )}
      <div className="map-actions" ref={actions}>
        <button
          type="button"
          onClick={() => layers && r.fitAll(layers, width)}
          title="Fit every lane to its content (0)"
        >
          Fit
        </button>
        <button type="button" onClick={zoomToSelection} disabled={!fp} title="Zoom every lane to the selection (z)">
          Zoom to selection
        </button>
      </div>
    </div>
  );
}
