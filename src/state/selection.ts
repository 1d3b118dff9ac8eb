// What the user points at, shared by every view: a range of pages in one address space (a vfio_dma, a
// PTE run, a host frame, a gvt_dma entry …), hovered or pinned by a click, and the address followed
// through every translation. Views highlight whatever overlaps its footprint in their own space.

import { create } from 'zustand';
import type { Chain, Space } from '../model/inspect/follow';

export interface Selection {
  space: Space;
  /** First page and length in pages. */
  lo: number;
  pages: number;
  /** What was picked, in words ("vfio_dma at 0x0", "2M PTE run", …). */
  label: string;
}

export interface SelectionState {
  hover: Selection | null;
  pinned: Selection | null;
  /** The address being followed and its chain (from the worker's model). */
  follow: { space: Space; addr: string; chain: Chain | null; error: string | null } | null;
  set(patch: Partial<Omit<SelectionState, 'set'>>): void;
}

export const useSelection = create<SelectionState>()((set) => ({
  hover: null,
  pinned: null,
  follow: null,
  set: (patch) => set(patch),
}));

/** The selection views highlight: the hovered one while hovering, else the pinned one. */
export const activeSelection = (s: SelectionState): Selection | null => s.hover ?? s.pinned;
