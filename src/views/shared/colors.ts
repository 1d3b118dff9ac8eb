// Every colour means one thing everywhere (the legend lists them): what backs a frame, a vfio_dma, a pin,
// a PTE's size, a vendor entry, a change, the selection. Values live in CSS custom properties, so the light
// and dark themes are the stylesheet's; canvases read them once per theme.

export const COLOR_KEYS = [
  'ram',
  'huge2m',
  'huge1g',
  'mmio',
  'hole',
  'dma',
  'dmaInvalid',
  'pin1',
  'pinN',
  'pte4k',
  'pte2m',
  'pte1g',
  'table',
  'vendor',
  'iovaRange',
  'allowed',
  'added',
  'removed',
  'changed',
  'select',
  'follow',
  'fg',
  'muted',
  'line',
  'panel',
  'lane',
] as const;

export type ColorKey = (typeof COLOR_KEYS)[number];
export type Palette = Record<ColorKey, string>;

/** What each colour means, in the legend's words. */
export const MEANING: Array<[ColorKey, string]> = [
  ['ram', 'RAM (4 KiB pages)'],
  ['huge2m', 'RAM in 2 MiB huge pages'],
  ['huge1g', 'RAM in 1 GiB huge pages'],
  ['mmio', 'MMIO / reserved (a device BAR: never pinned, never charged)'],
  ['dma', 'vfio_dma mapping'],
  ['dmaInvalid', 'vfio_dma with its vaddr invalid (VFIO_UPDATE_VADDR)'],
  ['pin1', 'pinned once'],
  ['pinN', 'pinned by several (an IOMMU mapping and a vendor, or two vendors)'],
  ['pte4k', '4 KiB PTE'],
  ['pte2m', '2 MiB superpage PTE'],
  ['pte1g', '1 GiB superpage PTE'],
  ['table', 'page-table page (a non-leaf entry)'],
  ['vendor', "vGPU vendor's entry (gvt_dma, tracked page)"],
  ['iovaRange', 'iova.c range'],
  ['added', 'added by this step'],
  ['removed', 'removed by this step'],
  ['changed', 'changed by this step'],
  ['select', 'the selection and everything it maps to'],
  ['follow', 'the followed address, hop by hop'],
];

const cssName = (k: ColorKey) => '--c-' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** The palette of the element's current theme. */
export function readPalette(el: Element): Palette {
  const style = getComputedStyle(el);
  const out = {} as Palette;
  for (const k of COLOR_KEYS) out[k] = style.getPropertyValue(cssName(k)).trim() || '#888';
  return out;
}

export { cssName };
