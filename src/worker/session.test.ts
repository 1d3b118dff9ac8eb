import { fc, test } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareCase } from '../model/engine/run';
import { executeStep, refsOf } from '../model/engine/run';
import { diffStates, type Changes } from '../model/inspect/diff';
import { inspect, type StepState } from '../model/inspect/state';
import { buffersOf } from '../model/lib/table';
import { fileSchema } from '../model/scenario/schema';
import { KeptTables } from './kept';
import { Session, type StateReply } from './session';

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

/** The state after n steps, computed the slow way: build and run from step 0. */
function fresh(doc: unknown, caseIndex: number, n: number): StepState {
  const file = fileSchema.parse(doc);
  const c = prepareCase(file.cases[caseIndex], file.environments, {}, []);
  if (!c.ok) throw new Error(c.error);
  const sim = c.build(false);
  const refs: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const o = executeStep(sim, c.steps[i]!, i, refs);
    refs.push(refsOf(o.result));
    if (o.stop) break;
  }
  return inspect(sim);
}

const plain = (s: StepState | Changes | null) =>
  JSON.parse(JSON.stringify(s, (_, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));

/**
 * A session as the page sees it: each reply moved (its buffers transferred, as the worker's envelope
 * does), then what it left out put back and its edits applied (kept.ts).
 */
function pageSession(): { s: Session; replyAt(n: number): StateReply; stateAt(n: number): StepState } {
  const s = new Session();
  const kept = new KeptTables();
  const replyAt = (n: number): StateReply => {
    const sent = s.state(n);
    const r = structuredClone(sent, { transfer: buffersOf(sent) });
    kept.fill(r);
    return r;
  };
  return { s, replyAt, stateAt: (n) => replyAt(n).state };
}

describe.each([
  'hot-unplug',
  'vtd-basics',
  'mdev-pin',
  'tour-superpages',
  'tour-memlock',
  'tour-unmap-pinned',
  'tour-host-iommu',
  // Stops at a KERNEL_BUG: seeks into, past and out of the steps that never ran.
  'tour-ignored-notifier',
])('seeking in %s', (preset) => {
  const doc = load(`../../public/scenarios/${preset}.json`);
  const steps = (fileSchema.parse(doc).cases[0] as { steps: unknown[] }).steps.length;
  const expected = new Map<number, unknown>();
  const freshAt = (n: number) => {
    if (!expected.has(n)) expected.set(n, plain(fresh(doc, 0, n)));
    return expected.get(n);
  };
  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: steps }), fc.boolean()), { minLength: 1, maxLength: 12 })], {
    numRuns: 8,
  })(
    'any order of seeks gives the state a fresh run to that step gives (read again or patched from the last), with or without spare copies of the checkpoints made in between',
    (seeks) => {
      const p = pageSession();
      expect(p.s.load(doc).error).toBeNull();
      let before: number | null = null;
      for (const [n, idle] of seeks) {
        if (idle) while (p.s.prepareSpare());
        const r = p.replyAt(n);
        expect(plain(r.state)).toEqual(freshAt(n));
        // One step from the state shown before: what changed since it; any other move (and the first
        // state): what its own step did.
        const from = before !== null && Math.abs(before - n) <= 1 ? before : n > 0 ? n - 1 : null;
        if (from === null) expect(r.changes).toBeNull();
        else expect(plain(r.changes)).toEqual(plain(diffStates(fresh(doc, 0, from), fresh(doc, 0, n))));
        before = n;
      }
    },
  );
});

describe('a loaded session', () => {
  const doc = load('../../public/scenarios/hot-unplug.json');
  const steps = (fileSchema.parse(doc).cases[0] as { steps: unknown[] }).steps.length;

  it('sends the host frames once per load, then leaves them out', () => {
    const s = new Session();
    s.load(doc);
    const first = s.state(1);
    expect(first.kept).toEqual([]);
    expect(first.state.frames.length).toBeGreaterThan(0);
    const next = s.state(2);
    expect(next.kept).toEqual(['frames']);
    expect(next.state.frames.length).toBe(0);
    s.load(doc);
    expect(s.state(2).kept).toEqual([]);
  });

  it('sends the page-table runs and host pins of a step as edits of the ones sent before, or leaves them out', () => {
    const vtd = load('../../public/scenarios/vtd-basics.json');
    const s = new Session();
    const count = s.load(vtd).steps;
    s.state(0);
    let edited = 0;
    for (let n = 1; n <= count; n++) {
      const r = s.state(n);
      const runsOut = r.kept.includes('runs') || r.patches.runs !== null;
      if (r.patches.runs) edited++;
      // What is left out or edited is not sent whole as well.
      if (runsOut) expect(r.state.iommu?.runs.length).toBe(0);
      if (r.kept.includes('hostPins') || r.patches.hostPins) expect(r.state.hostPins.length).toBe(0);
    }
    expect(edited).toBeGreaterThan(0);
  });

  it('reports what one step changed, and its reverse going back', () => {
    const s = new Session();
    s.load(doc);
    s.state(1);
    const forward = s.state(2).changes!;
    const back = s.state(1).changes!;
    const kinds = (r: typeof forward.iova) => Array.from(r.cols.kind);
    expect(forward.iova.length + forward.gpa.length + forward.hpa.length).toBeGreaterThan(0);
    // Added forward is removed backward, over the same ranges.
    expect(Array.from(back.hpa.cols.lo)).toEqual(Array.from(forward.hpa.cols.lo));
    expect(kinds(back.hpa)).toEqual(kinds(forward.hpa).map((k) => (k === 1 ? 2 : k === 2 ? 1 : k)));
  });

  it('a jump outlines what its own step did, not everything between the two steps; a step from there, what changed since', () => {
    const mdev = load('../../public/scenarios/mdev-pin.json');
    const s = new Session();
    expect(s.load(mdev).steps).toBe(5);
    s.state(0);
    for (const [n, from] of [
      [5, 4],
      [1, 0],
      [2, 1],
      [1, 2],
      [4, 3],
    ] as const)
      expect(plain(s.state(n).changes), `step ${n}`).toEqual(
        plain(diffStates(fresh(mdev, 0, from), fresh(mdev, 0, n))),
      );
    expect(s.state(0).changes).toBeNull();
  });

  it('sends the summary of the step a state is after with the state', () => {
    const s = new Session();
    s.load(doc);
    expect(s.state(0).summary).toBeNull();
    for (const n of [steps, 1, 2]) expect(s.state(n).summary, `step ${n}`).toEqual(s.steps(n - 1, 1)[0]);
  });

  it('the first state after a load outlines what its own step did', () => {
    for (let n = 0; n <= steps; n++) {
      const s = new Session();
      s.load(doc);
      const first = s.state(n).changes;
      if (n === 0) expect(first).toBeNull();
      else expect(plain(first)).toEqual(plain(diffStates(fresh(doc, 0, n - 1), fresh(doc, 0, n))));
    }
  });

  it('diffs against the step shown before even after its arrays were moved to the page', () => {
    const moved = new Session();
    const kept = new Session();
    moved.load(doc);
    kept.load(doc);
    for (const n of [1, 2, 0, 2]) {
      const reply = moved.state(n);
      const expected = kept.state(n);
      expect(plain(reply.changes)).toEqual(plain(expected.changes));
      // What the worker's envelope does: the buffers go to the page and are detached here.
      structuredClone(reply, { transfer: buffersOf(reply) });
    }
  });

  it('an edit past a step that stopped the run runs that step again: the steps after it stay skipped', () => {
    // The notifier tour ends in a KERNEL_BUG; two more mappings after it never run.
    const base = structuredClone(load('../../public/scenarios/tour-ignored-notifier.json')) as {
      cases: Array<{ steps: Array<{ op: string; args: Record<string, unknown> }> }>;
    };
    const steps = base.cases[0]!.steps;
    const stop = steps.length - 1;
    for (const k of [2, 3])
      steps.push({
        op: 'MAP_DMA',
        args: { flags: ['READ', 'WRITE'], vaddr: `0x7f000${k}000000`, iova: `0x${k}0000000`, size: '0x200000' },
      });
    const p = pageSession();
    p.s.load(base);
    expect(p.s.steps(stop + 1, 2).map((x) => x.skipped !== null)).toEqual([true, true]);
    p.stateAt(steps.length);
    // A step put in after the skipped ones.
    const edited = structuredClone(base);
    edited.cases[0]!.steps.push({ op: 'CHECK_EXTENSION', args: { ext: 'VFIO_TYPE1v2_IOMMU' } });
    p.s.load(edited, undefined, { fromStep: steps.length });
    for (const n of [steps.length + 1, stop, steps.length, stop + 1])
      expect(plain(p.stateAt(n)), `step ${n}`).toEqual(plain(fresh(edited, 0, n)));
    expect(p.s.steps(stop + 1, 3).map((x) => x.skipped !== null)).toEqual([true, true, true]);
  });

  it('a seek starts from a spare copy of its checkpoint and leaves the checkpoint as it was', () => {
    // Forty 2 MiB mappings, one per step: enough for checkpoints after step 0.
    const vtd = load('../../public/scenarios/vtd-basics.json') as { environments: unknown };
    const mib2 = 0x200000;
    const ten = {
      schema: 'vfio-type1-conformance/1',
      environments: vtd.environments,
      cases: [
        {
          id: 'many',
          env: 'vtd',
          steps: Array.from({ length: 40 }, (_, k) => ({
            op: 'MAP_DMA',
            args: {
              flags: ['READ', 'WRITE'],
              vaddr: `0x${(0x7f0000000000 + k * mib2).toString(16)}`,
              iova: `0x${(0x100000000 + k * mib2).toString(16)}`,
              size: '0x200000',
            },
          })),
        },
      ],
    };
    const { s, stateAt } = pageSession();
    expect(s.load(ten).error).toBeNull();
    // A slice past its deadline leaves the first spare half made: the seek to step 3 finishes it.
    expect(s.prepareSpare(0, 1)).toBe(true);
    expect(plain(stateAt(3))).toEqual(plain(fresh(ten, 0, 3)));
    let made = 0;
    while (s.prepareSpare()) made++;
    expect(made).toBeGreaterThan(0);
    // Twice from the same checkpoints: the second time its spare is gone (taken and run on) and a copy is made.
    for (const n of [35, 17, 3, 35, 17, 3, 40, 0])
      expect(plain(stateAt(n)), `step ${n}`).toEqual(plain(fresh(ten, 0, n)));
    // An edit drops the spares of the checkpoints after it, as it drops those checkpoints.
    while (s.prepareSpare());
    const edited = structuredClone(ten);
    edited.cases[0]!.steps.splice(5, 1);
    s.load(edited, undefined, { fromStep: 5 });
    for (const n of [9, 30, 12]) expect(plain(stateAt(n)), `edited, step ${n}`).toEqual(plain(fresh(edited, 0, n)));
  });

  it('an edit keeps what comes before the changed step and reruns what comes after', () => {
    const { s, stateAt } = pageSession();
    s.load(doc);
    const before = plain(stateAt(1));
    const edited = structuredClone(doc) as { cases: Array<{ steps: unknown[] }> };
    edited.cases[0]!.steps.splice(1, 0, { op: 'CHECK_EXTENSION', args: { ext: 'VFIO_TYPE1v2_IOMMU' } });
    const info = s.load(edited, undefined, { fromStep: 1 });
    expect(info.steps).toBe(steps + 1);
    expect(plain(stateAt(1))).toEqual(before);
    expect(s.steps(1, 1)[0]).toMatchObject({ op: 'CHECK_EXTENSION', ret: 1 });
    expect(plain(stateAt(steps + 1))).toEqual(plain(fresh(edited, 0, steps + 1)));
  });
});
