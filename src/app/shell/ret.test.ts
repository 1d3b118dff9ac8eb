import { describe, expect, it } from 'vitest';
import { pathText } from './ret';

describe('pathText', () => {
  it('writes a path without repeats as it is', () => {
    expect(pathText(['vfio_iommu_type1_map_dma', 'vfio_dma_do_map'], 2)).toBe(
      'vfio_iommu_type1_map_dma → vfio_dma_do_map',
    );
  });

  it('counts the calls of a path whose functions were called again', () => {
    expect(pathText(['intel_gvt_dma_map_guest_page', 'vfio_pin_pages'], 2001)).toBe(
      'intel_gvt_dma_map_guest_page → vfio_pin_pages (2,001 calls, each named once)',
    );
  });
});
