import { describe, expect, it } from 'vitest';
import { pathText } from './ret';

describe('pathText', () => {
  it('keeps a path without repeats as it is', () => {
    expect(pathText(['vfio_iommu_type1_map_dma', 'vfio_dma_do_map'])).toBe(
      'vfio_iommu_type1_map_dma → vfio_dma_do_map',
    );
  });

  it('names each function once, in first-call order, and counts the calls', () => {
    const path = [];
    for (let i = 0; i < 1000; i++) path.push('intel_gvt_dma_map_guest_page', 'vfio_pin_pages');
    path.push('intel_gvt_dma_unmap_guest_page');
    expect(pathText(path)).toBe(
      'intel_gvt_dma_map_guest_page → vfio_pin_pages → intel_gvt_dma_unmap_guest_page (2,001 calls, each named once)',
    );
  });
});
