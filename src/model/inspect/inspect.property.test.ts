import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  kernelFeatures,
  type KernelFeatures,
  type ReferenceType1,
  type RefIommuGroup,
  type RefRegion,
} from '../../testing/reference-type1';
import {
  TOP,
  UNMAP_FLAGS,
  V,
  attachOp,
  bytes,
  detachOp,
  dmaTarget,
  farIovaPage,
  gpu0,
  hex,
  hexPage,
  iovaPage,
  iovaTarget,
  mapDma,
  modelSim,
  oneMapping,
  pages,
  prot,
  quiet,
  rangeArb,
  reference,
  resolve,
  runModel,
  sizeArb,
  stepShared,
  unmapAllOp,
  vaddrPageArb,
  worldArb,
  type SharedOp,
  type Target,
  type World,
} from '../../testing/type1-world';
import type { Sim } from '../engine/sim';
import { ADDED, CHANGED, REMOVED, diffStates, type Ranges } from './diff';
import { follow, type Chain } from './follow';
import { copyTables } from '../lib/table';
import { applyPatch } from '../lib/table-patch';
import { inspectSince } from './patch';
import { inspect, type StepState } from './state';

// inspect(), diffStates() and follow() read the model; here they are held against the naive reference
// of src/testing/reference-type1.ts driven by the same random op sequences (in the world of
// src/testing/type1-world.ts, with a 2 MiB hugepage region, 2 MiB-aligned maps so that superpage leaves
// are common, and maps that continue a mapping so that neighbouring leaves differ only in their bits).

/** Past the shared world's regions. */
const HUGE = 0x7f6000000;
const HUGE_UNITS = 8;
const hexAddr = (page: number, offset: number) => hex(bytes(page) + BigInt(offset));

/** The seed places the hugepages among the model's frames. */
interface HugeWorld extends World {
  hugeSeed: number;
}

function hugeSim(w: HugeWorld): Sim {
  return modelSim(w, [
    {
      name: 'HUGE',
      vaddr: hexPage(HUGE),
      size: hexPage(HUGE_UNITS * 512),
      layout: 'hugepages',
      hugepage: '2M',
      first_pfn: hex(0x800000),
      seed: w.hugeSeed,
    },
  ]);
}

/**
 * The reference over the same memory. It has no hugepage layout: each 2 MiB unit is its own contiguous
 * region, placed where the model's seeded shuffle put it (placement is not what is under test).
 */
function hugeReference(w: HugeWorld, sim: Sim): ReferenceType1 {
  const huge = sim.memory.regions.find((r) => r.name === 'HUGE')!;
  const units: RefRegion[] = Array.from(huge.slots!, (slot, k) => ({
    vaddrPage: HUGE + k * 512,
    npages: 512,
    backing: 'ram',
    layout: 'contiguous',
    firstPfn: huge.firstPfn + 2 * slot * 512,
    stride: 1,
  }));
  return reference(w, units);
}

// ---- operations ----

type Op =
  | SharedOp
  /** MAP_DMA right after the `pick`-th mapping, in iova and in vaddr: its leaves may merge with the last ones. */
  | { op: 'NEXT'; pick: number; npages: number; flags: number }
  | { op: 'PIN'; at: Target; npage: number; prot: number };

const vaddrPage = vaddrPageArb(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: HUGE_UNITS - 1 }).map((k) => HUGE + k * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: HUGE_UNITS * 512 - 1 }).map((k) => HUGE + k) },
);
const size = sizeArb(0n, 0x800n);

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 4, arbitrary: dmaTarget(600) },
  { weight: 1, arbitrary: iovaTarget },
);
const range = rangeArb(size, 2);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('MAP' as const),
      vaddr: vaddrPage,
      iova: fc.oneof({ weight: 12, arbitrary: iovaPage }, { weight: 1, arbitrary: farIovaPage }),
      size,
      flags: prot,
    }),
  },
  {
    // 2 MiB-aligned in iova and in the frames behind it: superpage leaves where the group supports them.
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('MAP' as const),
      vaddr: fc.oneof(
        fc.integer({ min: 0, max: 3 }).map((k) => V.R0 + k * 512),
        fc.integer({ min: 0, max: HUGE_UNITS - 1 }).map((k) => HUGE + k * 512),
      ),
      iova: fc.integer({ min: 0, max: 15 }).map((k) => k * 512),
      size: fc.constantFrom(512, 1024, 1536, 700).map(bytes),
      flags: prot,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('NEXT' as const), pick: fc.nat(), npages: pages, flags: prot }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('UNMAP' as const),
      range,
      flags: fc.constantFrom(0, 0, 0, UNMAP_FLAGS.VADDR),
    }),
  },
  { weight: 1, arbitrary: unmapAllOp },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('VADDR' as const), range: oneMapping, vaddr: vaddrPage }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('PIN' as const), at: target, npage: fc.integer({ min: 1, max: 6 }), prot }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('UNPIN' as const), at: target, npage: fc.integer({ min: 1, max: 6 }) }),
  },
  { weight: 1, arbitrary: attachOp },
  { weight: 1, arbitrary: detachOp },
);

const world = (kernel: string): fc.Arbitrary<HugeWorld> =>
  fc
    .tuple(
      worldArb(kernel, {
        limitPages: [40, 1100, 1 << 20, 1 << 20, 1 << 20],
        dmaEntryLimit: [4, 65535],
        iommu: fc.oneof(
          { weight: 1, arbitrary: fc.constant([] as RefIommuGroup[]) },
          { weight: 3, arbitrary: gpu0(0, 1, 1, 2).map((g) => [g]) },
        ),
      }),
      fc.nat(),
    )
    .map(([w, hugeSeed]) => ({ ...w, hugeSeed }));

/** Addresses follow() is asked about after each step: a mapped iova page (picked among them), any iova, any vaddr. */
interface Probe {
  mapped: number;
  iova: number;
  vaddr: number;
  offset: number;
}
const probeArb: fc.Arbitrary<Probe> = fc.record({
  mapped: fc.nat(),
  iova: iovaPage,
  vaddr: vaddrPage,
  offset: fc.oneof(fc.constantFrom(0, 4095), fc.integer({ min: 0, max: 4095 })),
});

// ---- running one op on both ----

/** Runs one op on both (their return values must agree); false when the sequence must stop there. */
function step(sim: Sim, ref: ReferenceType1, k: KernelFeatures, o: Op): boolean {
  switch (o.op) {
    case 'MAP':
      mapDma(sim, ref, o.flags, o.vaddr, o.iova, o.size);
      return true;
    case 'NEXT': {
      const dmas = ref.vfioDma();
      const d = dmas[o.pick % Math.max(dmas.length, 1)];
      // The page after the last one of the 64-bit space is no iova at all.
      if (d && d.iova + d.npages < TOP)
        mapDma(sim, ref, o.flags, d.vaddr + d.npages, d.iova + d.npages, bytes(o.npages));
      return true;
    }
    case 'PIN': {
      if (sim.iommu.emulatedGroups.length === 0) return true;
      const iova = resolve(ref, o.at);
      if (k.pinByIova) {
        const out = runModel(sim, 'PIN_PAGES', { iova: hexPage(iova), npage: o.npage, prot: o.prot });
        expect(out.ret).toBe(ref.pin(iova, o.npage, o.prot)[0]);
      } else {
        const list = Array.from({ length: o.npage }, (_, i) => iova + i);
        const out = runModel(sim, 'PIN_PAGES_OLD', { user_pfn: list, prot: o.prot });
        expect(out.ret).toBe(ref.pinList(list, o.prot)[0]);
      }
      return true;
    }
    case 'UNPIN': {
      if (sim.iommu.emulatedGroups.length === 0) return true;
      const iova = resolve(ref, o.at);
      const out = runModel(sim, 'UNPIN_PAGES', { iova: hexPage(iova), npage: o.npage });
      expect(out.ret ?? null).toBe(ref.unpin(iova, o.npage).ret);
      return true;
    }
    default:
      return stepShared(sim, ref, o);
  }
}

// ---- what the reference says, page by page ----

interface Snapshot {
  /** iova page → "pfn level bits" of the first domain's leaf. */
  pt: Map<number, string>;
  /** iova page → what its vfio_dma says about it: vaddr, iommu_mapped, vaddr_invalid. */
  dma: Map<number, string>;
  /** iova page → its vfio_pfn: pfn and refcount. */
  pins: Map<number, string>;
  /** host pfn → pins. */
  host: Map<number, number>;
}

interface PageLeaf {
  pfn: number;
  level: number;
  bits: number;
}

/** The reference's first domain page by page: host pfn, and level and low 12 bits of the leaf holding it. */
function referencePages(ref: ReferenceType1): Map<number, PageLeaf> {
  const out = new Map<number, PageLeaf>();
  const translations = ref.translations();
  for (const l of ref.leaves()) {
    const span = 512 ** (l.level - 1);
    for (let k = 0; k < span; k++) {
      const pfn = translations.get(l.iova + k);
      // Two readings of the reference (its leaves and its translation map) must agree before either is used.
      expect(pfn, `reference page ${hexPage(l.iova + k)}`).toBe(Math.floor(l.value / 4096) + k);
      out.set(l.iova + k, { pfn: pfn!, level: l.level, bits: l.value % 4096 });
    }
  }
  expect(out.size).toBe(translations.size);
  return out;
}

function snapshot(ref: ReferenceType1, pt: Map<number, PageLeaf>): Snapshot {
  const s: Snapshot = { pt: new Map(), dma: new Map(), pins: new Map(), host: ref.hostPins() };
  for (const [p, l] of pt) s.pt.set(p, `${l.pfn} ${l.level} ${l.bits}`);
  for (const d of ref.vfioDma())
    for (let k = 0; k < d.npages; k++) s.dma.set(d.iova + k, `${d.vaddr + k} ${d.mapped} ${d.vaddrInvalid}`);
  for (const v of ref.pfnList()) s.pins.set(v.iova, `${v.pfn} ${v.ref}`);
  return s;
}

/** Per page, how one map changed from a to b. */
function changes<T>(a: Map<number, T>, b: Map<number, T>, out: Map<number, Set<number>>): void {
  const note = (p: number, kind: number) => {
    const kinds = out.get(p) ?? new Set<number>();
    kinds.add(kind);
    out.set(p, kinds);
  };
  for (const [p, v] of a) {
    if (!b.has(p)) note(p, REMOVED);
    else if (b.get(p) !== v) note(p, CHANGED);
  }
  for (const p of b.keys()) if (!a.has(p)) note(p, ADDED);
}

/** Page → kind as runs [lo, pages, kind], so a failure reads as ranges. */
function asRuns(kinds: Map<number, number>): number[][] {
  const out: number[][] = [];
  for (const p of [...kinds.keys()].sort((x, y) => x - y)) {
    const kind = kinds.get(p)!;
    const last = out.at(-1);
    if (last && last[0]! + last[1]! === p && last[2] === kind) last[1]!++;
    else out.push([p, 1, kind]);
  }
  return out;
}

function expand(r: Ranges): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < r.length; i++)
    for (let k = 0; k < r.cols.pages[i]!; k++) out.set(r.cols.lo[i]! + k, r.cols.kind[i]!);
  return out;
}

// ---- the checks ----

/** 1. Page-table runs: exactly the reference's translation, in maximal runs, each run the table's own leaves. */
function checkRuns(sim: Sim, state: StepState, pt: Map<number, PageLeaf>): void {
  const expected: number[][] = [];
  for (const p of [...pt.keys()].sort((x, y) => x - y)) {
    const l = pt.get(p)!;
    const last = expected.at(-1);
    if (last && last[0]! + last[2]! === p && last[1]! + last[2]! === l.pfn && last[3] === l.level && last[4] === l.bits)
      last[2]!++;
    else expected.push([p, l.pfn, 1, l.level, l.bits]);
  }
  const view = state.iommu;
  const domain = sim.iommu.firstDomain;
  if (!view || !domain) {
    expect(view === null && domain === null, 'a page-table view exactly when there is a first domain').toBe(true);
    expect(expected).toEqual([]);
    return;
  }
  const { iova, pfn, pages, level, bits } = view.runs.cols;
  const got = Array.from({ length: view.runs.length }, (_, i) => [iova[i]!, pfn[i]!, pages[i]!, level[i]!, bits[i]!]);
  expect(got).toEqual(expected);
  for (let i = 0; i < got.length; i++) {
    const [lo, host, n, lvl, low] = got[i]!;
    // Both ends of the run are leaves of this level and these bits in the model's own table.
    for (const p of [lo!, lo! + n! - 1]) {
      const walk = domain.table.walk(p);
      const leaf = walk.at(-1)!;
      expect([leaf.leaf, leaf.level, leaf.value % 4096]).toEqual([true, lvl, low]);
      expect(domain.iovaToPhysPfn(p)).toBe(host! + (p - lo!));
    }
    if (i === 0) continue;
    const [plo, phost, pn, plvl, plow] = got[i - 1]!;
    expect(plo! + pn!, 'runs sorted and apart').toBeLessThanOrEqual(lo!);
    const mergeable = plo! + pn! === lo! && phost! + pn! === host! && plvl === lvl && plow === low;
    expect(mergeable, `runs at ${hexPage(plo!)} and ${hexPage(lo!)} are one run`).toBe(false);
  }
}

/** 2. Host pins, frame by frame, as the reference holds them (compared as maximal runs). */
function checkHostPins(state: StepState, s: Snapshot): void {
  const expected: number[][] = [];
  for (const f of [...s.host.keys()].sort((x, y) => x - y)) {
    const pins = s.host.get(f)!;
    const last = expected.at(-1);
    if (last && last[0]! + last[1]! === f && last[2] === pins) last[1]!++;
    else expected.push([f, 1, pins]);
  }
  const { pfn, pages, pins } = state.hostPins.cols;
  expect(Array.from({ length: state.hostPins.length }, (_, i) => [pfn[i]!, pages[i]!, pins[i]!])).toEqual(expected);
}

/** 3. diffStates between two steps: the pages (iova) and frames (hpa) the reference says changed, and how. */
function checkDiff(a: StepState, b: StepState, sa: Snapshot, sb: Snapshot): void {
  const perPage = new Map<number, Set<number>>();
  changes(sa.pt, sb.pt, perPage);
  changes(sa.dma, sb.dma, perPage);
  changes(sa.pins, sb.pins, perPage);
  // A page where several maps changed in different ways counts as changed.
  const iova = new Map<number, number>();
  for (const [p, kinds] of perPage) iova.set(p, kinds.size === 1 ? [...kinds][0]! : CHANGED);
  const frames = new Map<number, Set<number>>();
  changes(sa.host, sb.host, frames);
  const hpa = new Map<number, number>();
  for (const [f, kinds] of frames) hpa.set(f, [...kinds][0]!);

  const d = diffStates(a, b);
  const gotIova = expand(d.iova);
  expect(
    [...gotIova.keys()].sort((x, y) => x - y),
    'iova pages that changed',
  ).toEqual([...iova.keys()].sort((x, y) => x - y));
  expect(asRuns(gotIova), 'iova changes by kind').toEqual(asRuns(iova));
  expect(asRuns(expand(d.hpa)), 'host frames whose pin count changed').toEqual(asRuns(hpa));
}

const hopIn = (c: Chain, space: string) => c.hops.find((h) => h.space === space)?.addr;

/** 4. follow() from an iova and from a vaddr. */
function checkFollow(sim: Sim, probe: Probe, mapped: number[]): void {
  const domain = sim.iommu.firstDomain;
  const off = probe.offset;
  const iovas = mapped.length > 0 ? [probe.iova, mapped[probe.mapped % mapped.length]!] : [probe.iova];
  for (const p of iovas) {
    const c = follow(sim, 'iova', bytes(p) + BigInt(off));
    expect(c.hops[0]).toMatchObject({ space: 'iova', addr: hexAddr(p, off) });
    const phys = domain ? domain.iovaToPhysPfn(p) : -1;
    if (domain) {
      // pfn_level_offset: 9 bits of the iova page per level, root first.
      const levels = domain.table.levels;
      expect(c.walk.map((w) => [w.level, w.index])).toEqual(
        c.walk.map((_, i) => [levels - i, Number((BigInt(p) >> BigInt(9 * (levels - 1 - i))) & 511n)]),
      );
      expect(c.walk.at(-1)?.leaf ?? false).toBe(phys >= 0);
    } else expect(c.walk).toEqual([]);
    const dma = sim.iommu.dmaList.findDma(p, 1);
    const vma = dma ? sim.memory.pfn(dma.vaddrPfn + (p - dma.iovaPfn)) : -1;
    if (domain && phys >= 0 && vma >= 0 && vma !== phys) {
      // A vaddr replaced by VFIO_DMA_MAP_FLAG_VADDR with other memory behind it: the device still
      // reaches the IOMMU's frame, and the VMA's frame is named in a note.
      expect(hopIn(c, 'hpa')).toBe(hexAddr(phys, off));
      expect(c.notes.join('\n')).toContain(
        `is now backed by ${hexAddr(vma, off)}, but the IOMMU still maps the iova to ${hexAddr(phys, off)}`,
      );
      continue;
    }
    // Without a domain the chain reaches the host through the VMA behind the vfio_dma's vaddr, else
    // through the vendor's pin.
    const pinned = dma?.pfnList.get(p);
    const expected = domain ? phys : vma >= 0 ? vma : (pinned?.pfn ?? -1);
    expect(hopIn(c, 'hpa'), `follow iova ${hexAddr(p, off)}`).toBe(expected >= 0 ? hexAddr(expected, off) : undefined);
  }
  const dmas = sim.iommu.dmaList.items;
  const d = dmas[probe.mapped % Math.max(dmas.length, 1)];
  for (const v of d ? [probe.vaddr, d.vaddrPfn + (probe.mapped % d.sizePages)] : [probe.vaddr]) {
    const c = follow(sim, 'hva', bytes(v) + BigInt(off));
    const frame = sim.memory.pfn(v);
    expect(hopIn(c, 'hpa'), `follow hva ${hexAddr(v, off)}`).toBe(frame >= 0 ? hexAddr(frame, off) : undefined);
  }
}

/**
 * 5. inspectSince from the state one and two steps back, given the ranges the first domain's table journal
 * reported for those steps: the same state as a reading from scratch, and the same changes.
 */
function checkSince(sim: Sim, state: StepState, back: Array<{ state: StepState; touched: number[] | null }>): void {
  for (const b of back) {
    if (b.touched === null) continue;
    // Read whole when much changed: only another domain, or a step that changed more than a quarter of the leaves.
    if (!inspectSince(sim, b.state, b.touched)) {
      const leaves = (s: StepState) => s.gauges.leaves4k + s.gauges.leaves2m + s.gauges.leaves1g;
      const [x, y] = [leaves(b.state), leaves(state)];
      const sameDomain = sim.iommu.firstDomain?.id === b.state.iommu?.id && b.state.iommu !== null;
      expect(sameDomain && 4 * Math.abs(x - y) <= Math.max(x, y)).toBe(false);
    }
    // As an edit, whatever its size.
    const got = inspectSince(sim, b.state, b.touched, { wholeAbove: Infinity });
    if (!got) {
      expect(sim.iommu.firstDomain?.id === b.state.iommu?.id && b.state.iommu !== null).toBe(false);
      continue;
    }
    expect(got.state).toEqual(state);
    const changes = diffStates(b.state, state);
    expect(diffStates(b.state, got.state, got.hint)).toEqual(changes);
    // The edits make the new tables from the old ones; in place, too (the same state and changes).
    const runs = got.edits.runs ? applyPatch(b.state.iommu!.runs, got.edits.runs) : b.state.iommu!.runs;
    expect(runs).toEqual(state.iommu!.runs);
    const pins = got.edits.hostPins ? applyPatch(b.state.hostPins, got.edits.hostPins) : b.state.hostPins;
    if (got.edits.hostPins || got.state.hostPins === b.state.hostPins) expect(pins).toEqual(state.hostPins);
    const before = copyTables(b.state);
    const inPlace = inspectSince(sim, copyTables(b.state), b.touched, { inPlace: true, wholeAbove: Infinity })!;
    expect(inPlace.state).toEqual(state);
    expect(diffStates(before, inPlace.state, inPlace.hint)).toEqual(changes);
  }
}

function play(w: HugeWorld, ops: Op[], probes: Probe[]): void {
  const sim = hugeSim(w);
  const ref = hugeReference(w, sim);
  const k = kernelFeatures(w.kernel);
  let prev: { state: StepState; snap: Snapshot } | null = null;
  // States of the steps before, with the ranges the first domain's table changed since each (null: it is
  // another domain now, or there was none).
  let back: Array<{ state: StepState; touched: number[] | null }> = [];
  for (let i = 0; i <= ops.length; i++) {
    if (i > 0) {
      const domain = sim.iommu.firstDomain;
      domain?.table.takeChanged();
      if (!step(sim, ref, k, ops[i - 1]!)) return;
      const touched = domain && domain === sim.iommu.firstDomain ? domain.table.takeChanged() : null;
      back = back.map((b) => ({ state: b.state, touched: b.touched && touched ? [...b.touched, ...touched] : null }));
    }
    const state = inspect(sim);
    checkSince(sim, state, back);
    back = [{ state, touched: [] }, ...back.slice(0, 1)];
    const pt = referencePages(ref);
    const snap = snapshot(ref, pt);
    checkRuns(sim, state, pt);
    checkHostPins(state, snap);
    if (prev) checkDiff(prev.state, state, prev.snap, snap);
    const mapped = [...pt.keys()];
    for (const probe of probes) checkFollow(sim, probe, mapped);
    prev = { state, snap };
  }
}

/** Runs per profile; the three profiles share the file's time. */
const RUNS = 60;

describe.each(['6.18', '5.15', '4.15'])('inspect, diffStates and follow against the reference, kernel %s', (kernel) => {
  test.prop([world(kernel), fc.array(opArb, { minLength: 1, maxLength: 14 }), fc.array(probeArb, { maxLength: 2 })], {
    numRuns: RUNS,
  })(
    'after every step: PTE runs, host pins, what changed since the step before, and the translation chain',
    (w, ops, probes) => play(w, ops, probes),
  );
});

// ---- disagreements these properties found, not fixed yet: each test fails until the code is fixed,
// then becomes a plain it() ----

const quietHuge: HugeWorld = { ...quiet, kernel: '6.18', iommu: [], hugeSeed: 1 };

describe('cases the random runs once got wrong', () => {
  // union() once merged ranges that only touch, of different kinds, into one changed range.
  it('diffStates: a pin added next to a pin whose refcount changed is reported as added', () => {
    const sim = hugeSim(quietHuge);
    const ref = hugeReference(quietHuge, sim);
    const k = kernelFeatures('6.18');
    step(sim, ref, k, { op: 'MAP', vaddr: V.R0, iova: 0, size: bytes(2), flags: 3 });
    step(sim, ref, k, { op: 'PIN', at: { kind: 'iova', page: 0 }, npage: 1, prot: 3 });
    const before = inspect(sim);
    step(sim, ref, k, { op: 'PIN', at: { kind: 'iova', page: 0 }, npage: 2, prot: 3 });
    const { lo, pages, kind } = diffStates(before, inspect(sim)).iova.cols;
    expect([...lo].map((x, i) => [x, pages[i], kind[i]])).toEqual([
      [0, 1, CHANGED],
      [1, 1, ADDED],
    ]);
  });

  // follow(sim, 'hva', …) once went through the vfio_dma and the IOMMU before the VMA: after
  // VFIO_DMA_MAP_FLAG_VADDR put other memory behind the mapping (the uAPI calls that a user error, but
  // the kernel only stores the new vaddr) it reported the frame the IOMMU still maps.
  it('follow: a vaddr reaches the frame its VMA holds after VFIO_DMA_MAP_FLAG_VADDR moved a mapping', () => {
    const w: HugeWorld = { ...quietHuge, iommu: [{ id: 'gpu0', superpage: 0, snoop: false }], emulated: false };
    const sim = hugeSim(w);
    const ref = hugeReference(w, sim);
    const k = kernelFeatures('6.18');
    step(sim, ref, k, { op: 'MAP', vaddr: V.R0, iova: 0, size: bytes(1), flags: 3 });
    step(sim, ref, k, {
      op: 'UNMAP',
      range: { kind: 'raw', iova: 0, size: 0n },
      flags: UNMAP_FLAGS.ALL | UNMAP_FLAGS.VADDR,
    });
    step(sim, ref, k, { op: 'VADDR', range: { kind: 'whole', pick: 0, span: 1 }, vaddr: V.R1 });
    expect(hopIn(follow(sim, 'hva', bytes(V.R1)), 'hpa')).toBe(hexPage(0x300000));
  });
});
