import { describe, expect, it } from 'vitest';
import { guestSlots } from './guest';
import { runFile } from './run';

const GIB = 1n << 30n;
const guest = (ram: bigint, extra: Record<string, unknown> = {}) => ({ ram_bytes: '0x' + ram.toString(16), ...extra });

describe('guest memory slots (x86)', () => {
  it('8 GiB: low RAM around the VGA window up to 3 GiB, the rest at 4 GiB', () => {
    const slots = guestSlots({ ram_bytes: 8n * GIB, vaddr: 0n, layout: 'contiguous', seed: 1, first_pfn: 0n });
    expect(slots.map((s) => [s.gpa, s.size, s.offset].map((x) => '0x' + x.toString(16)))).toEqual([
      ['0x0', '0xa0000', '0x0'],
      ['0xc0000', '0xbff40000', '0xc0000'],
      ['0x100000000', '0x140000000', '0xc0000000'],
    ]);
  });

  it('QEMU maps each slot at iova == gpa before step 0; a vGPU reaches the RAM behind gpa 4 GiB', () => {
    const r = runFile({
      schema: 'vfio-type1-conformance/1',
      cases: [
        {
          id: 'g',
          env: {
            groups: [{ kind: 'emulated', id: 'vgpu0' }],
            process: { rlimit_memlock_bytes: '0x100000000' },
            guest: guest(8n * GIB),
          },
          steps: [{ op: 'PIN_PAGES', args: { iova: '0x100000000', npage: 1, prot: ['READ', 'WRITE'] } }],
        },
      ],
    });
    const c = r.cases[0]!;
    expect(c.error).toBeUndefined();
    expect((c.final.vfio_dma as Array<{ iova: string; vaddr: string }>).map((d) => [d.iova, d.vaddr])).toEqual([
      ['0x0', '0x7f0000000000'],
      ['0xc0000', '0x7f00000c0000'],
      ['0x100000000', '0x7f00c0000000'],
    ]);
    // gpa 4 GiB is RAM offset 3 GiB: host pfn 0x100000 + 0xc0000.
    expect(c.steps[0]!.pfns).toEqual(['0x1c0000']);
    expect(c.final.dma_avail).toBe(65532);
  });

  it('a small guest has no RAM above 4 GiB', () => {
    expect(guestSlots({ ram_bytes: 2n * GIB, vaddr: 0n, layout: 'contiguous', seed: 1, first_pfn: 0n })).toHaveLength(
      2,
    );
  });
});
