import { fc, test } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSim } from '../engine/env';
import { runOp } from '../engine/ops';
import type { Sim } from '../engine/sim';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';
import { Session } from '../../worker/session';
import { follow, type Chain } from './follow';

// follow() from a guest physical address, in a scenario whose env.guest lays guest RAM out as QEMU does
// on x86. The expected vaddr comes from that layout written out here (low RAM below the VGA window, low
// RAM above it up to below_4g, the rest at 4 GiB), not from the model's memslots.

const GUEST_VADDR = 0x7f0000000000n;
const VGA_LO = 0xa0000n;
const VGA_HI = 0xc0000n;
const FOUR_G = 1n << 32n;
const MIB = 1n << 20n;

interface Guest {
  kernel: string;
  ram: bigint;
  below: bigint | undefined;
  layout: 'contiguous' | 'hugepages';
  seed: number;
  superpage: 0 | 1 | 2;
  /** UNMAP_DMA of the slot with this index (modulo the slots) before following, or none. */
  unmap: number | null;
}

const hex = (n: bigint) => '0x' + n.toString(16);

function guestSim(g: Guest): Sim {
  const env = environment.parse({
    groups: [
      {
        kind: 'iommu',
        id: 'gpu0',
        levels: 4,
        gaw_bits: 48,
        superpage_support: g.superpage,
        reserved_regions: [{ start: '0xfee00000', end: '0xfeefffff', type: 'IOMMU_RESV_MSI' }],
      },
    ],
    process: { rlimit_memlock_bytes: hex(1n << 40n) },
    guest: {
      ram_bytes: hex(g.ram),
      ...(g.below === undefined ? {} : { below_4g_bytes: hex(g.below) }),
      vaddr: hex(GUEST_VADDR),
      layout: g.layout,
      ...(g.layout === 'hugepages' ? { hugepage: '2M' } : {}),
      seed: g.seed,
      first_pfn: '0x100000',
    },
  });
  return buildSim(env, parseProfile(g.kernel));
}

/** QEMU's slots on x86: [gpa, size, offset in the RAM block]. Small guests: all RAM below 4 GiB unless told. */
function slots(g: Guest): Array<[bigint, bigint, bigint]> {
  const low = g.below ?? g.ram;
  const out: Array<[bigint, bigint, bigint]> = [[0n, low < VGA_LO ? low : VGA_LO, 0n]];
  if (low > VGA_HI) out.push([VGA_HI, low - VGA_HI, VGA_HI]);
  if (g.ram > low) out.push([FOUR_G, g.ram - low, low]);
  return out;
}

const guestArb: fc.Arbitrary<Guest> = fc.record({
  kernel: fc.constantFrom('6.18', '5.15', '4.15'),
  ram: fc.constantFrom(8n * MIB, 16n * MIB),
  below: fc.constantFrom(undefined, 4n * MIB, 6n * MIB + 0x3000n, 0x80000n),
  layout: fc.constantFrom('contiguous', 'hugepages'),
  seed: fc.nat(),
  superpage: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  unmap: fc.option(fc.nat(), { nil: null }),
});

/** Guest addresses: inside some slot, at a slot's edges, in the VGA window, the PCI hole, past RAM. */
const gpaArb = (g: Guest): fc.Arbitrary<bigint> => {
  const edges = slots(g).flatMap(([gpa, size]) => [gpa, gpa + size - 1n, gpa + size, gpa - 1n]);
  return fc.oneof(
    fc.constantFrom(...edges.filter((a) => a >= 0n)),
    fc
      .tuple(fc.constantFrom(...slots(g)), fc.bigInt({ min: 0n, max: 1n << 40n }))
      .map(([[gpa, size], k]) => gpa + (k % size)),
    fc.bigInt({ min: VGA_LO, max: VGA_HI - 1n }),
    fc.bigInt({ min: 0n, max: FOUR_G + 32n * MIB }),
  );
};

const hopIn = (c: Chain, space: string) => c.hops.find((h) => h.space === space)?.addr;

describe('follow from a guest physical address (env.guest)', () => {
  test.prop([guestArb.chain((g) => fc.tuple(fc.constant(g), fc.array(gpaArb(g), { minLength: 1, maxLength: 8 })))], {
    numRuns: 60,
  })('a gpa goes through its memslot to the vaddr QEMU placed it at, and on to the frame', ([g, gpas]) => {
    const sim = guestSim(g);
    const guestSlots = slots(g);
    if (g.unmap !== null) {
      const [gpa, size] = guestSlots[g.unmap % guestSlots.length]!;
      sim.iommu.beginStep();
      expect(runOp(sim, 'UNMAP_DMA', { flags: 0, iova: hex(gpa), size: hex(size) }).ret).toBe(0);
    }
    const domain = sim.iommu.firstDomain!;
    for (const gpa of gpas) {
      const c = follow(sim, 'gpa', gpa);
      expect(c.hops[0]).toEqual({ space: 'gpa', addr: hex(gpa), via: 'guest physical address' });
      const slot = guestSlots.find(([lo, size]) => gpa >= lo && gpa < lo + size);
      if (!slot) {
        expect(hopIn(c, 'hva')).toBeUndefined();
        expect(hopIn(c, 'hpa')).toBeUndefined();
        expect(c.notes.join('\n')).toContain(`gpa ${hex(gpa)} is in no memslot`);
        continue;
      }
      const hva = GUEST_VADDR + slot[2] + (gpa - slot[0]);
      expect(hopIn(c, 'hva'), `gpa ${hex(gpa)}`).toBe(hex(hva));
      const frame = sim.memory.pfn(Number(hva >> 12n));
      const inPage = gpa & 0xfffn;
      const unmapped = g.unmap !== null && slot === guestSlots[g.unmap % guestSlots.length];
      if (unmapped) {
        // QEMU no longer maps the slot for DMA: there is no iova, and no IOMMU entry to reach the host by.
        expect(hopIn(c, 'iova')).toBeUndefined();
        expect(domain.iovaToPhysPfn(Number(gpa >> 12n))).toBe(-1);
        continue;
      }
      expect(hopIn(c, 'iova')).toBe(hex(gpa));
      // The frame behind the vaddr, which the IOMMU maps the iova (== gpa) to.
      expect(domain.iovaToPhysPfn(Number(gpa >> 12n))).toBe(frame);
      expect(hopIn(c, 'hpa')).toBe(hex(BigInt(frame) * 4096n + inPage));
      // From the iova side the chain ends at the same frame and names the gpa QEMU placed there.
      const back = follow(sim, 'iova', gpa);
      expect([hopIn(back, 'hva'), hopIn(back, 'hpa'), hopIn(back, 'gpa')]).toEqual([
        hex(hva),
        hex(BigInt(frame) * 4096n + inPage),
        hex(gpa),
      ]);
    }
  });
});

describe('follow() from a gpa under KVMGT on 2 MiB pages', () => {
  it('reaches every page of a gvt_dma entry at its dma_addr plus the offset, not only its first gfn', () => {
    const doc = JSON.parse(readFileSync(new URL('../../../public/scenarios/vgpu-2m.json', import.meta.url), 'utf8'));
    const session = new Session();
    const info = session.load(doc);
    const s = session.state(info.steps).state;
    if (s.vendor?.kind !== 'kvmgt') throw new Error('vgpu-2m is a KVMGT preset');
    const e = s.vendor.entries.cols;
    expect(s.vendor.entries.length).toBeGreaterThan(0);
    for (let i = 0; i < s.vendor.entries.length; i++)
      for (const off of [0, 1, e.pages[i]! - 1]) {
        const gpa = (BigInt(e.gfn[i]! + off) << 12n) + 0x45n;
        const hop = session.follow(info.steps, 'gpa', gpa).hops.find((h) => h.space === 'dma');
        expect(hop?.addr, `gfn ${hex(BigInt(e.gfn[i]! + off))}`).toBe(hex((BigInt(e.dma[i]! + off) << 12n) + 0x45n));
      }
  });
});
