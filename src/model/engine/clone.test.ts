import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cloneSim, SimCopy } from './clone';
import { buildSim } from './env';
import { finalState } from './final';
import { runOp } from './ops';
import { materialize } from './rows';
import type { Sim } from './sim';
import { parseProfile } from '../profile';
import { caseSchema, environment, fileSchema } from '../scenario/schema';
import { applyOverrides } from './env';

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

/** Every runnable case of the file with its environment resolved, as the runner would build it. */
function cases(path: string): Array<{ id: string; build: () => Sim; steps: Array<{ op: string; args: unknown }> }> {
  const file = fileSchema.parse(load(path));
  return file.cases.flatMap((raw) => {
    const c = caseSchema.parse(raw);
    const envRaw = typeof c.env === 'string' ? (file.environments[c.env] as Record<string, unknown>) : (c.env ?? {});
    const env = environment.safeParse(c.env_overrides ? applyOverrides(envRaw, c.env_overrides) : envRaw);
    if (!env.success || c.steps.some((s) => JSON.stringify(s.args).includes('$ref'))) return [];
    const profile = parseProfile(c.kernel ?? env.data.kernel ?? '6.18');
    return [{ id: c.id, build: () => buildSim(env.data, profile), steps: c.steps }];
  });
}

/** Runs the steps from index `from`, returning what each reported (or threw) and the final state. */
function runFrom(sim: Sim, steps: Array<{ op: string; args: unknown }>, from: number): unknown {
  const out: unknown[] = [];
  for (const s of steps.slice(from)) {
    sim.iommu.beginStep();
    try {
      out.push(materialize(runOp(sim, s.op, s.args)));
    } catch (e) {
      out.push(`threw: ${(e as Error).message}`);
      break;
    }
  }
  return JSON.parse(
    JSON.stringify({ out, final: materialize(finalState(sim)) }, (_, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    ),
  );
}

describe('cloneSim (checkpoints)', () => {
  it.each([
    '../../../conformance/examples.json',
    '../../../conformance/more-cases.json',
    '../../../conformance/kvmgt-cases.json',
    '../../../conformance/review-cases.json',
    '../../../public/scenarios/mdev-pin.json',
    '../../../public/scenarios/hot-unplug.json',
  ])(
    '%s: a copy taken before any step runs the rest exactly as the original, and the original is untouched',
    (path) => {
      for (const c of cases(path)) {
        for (let k = 0; k <= c.steps.length; k++) {
          const original = c.build();
          runFrom(original, c.steps.slice(0, k), 0);
          const before = runFrom(cloneSim(original), [], 0);
          // Made in slices of a few objects (a worker's idle work), the copy is the same.
          const sliced = new SimCopy(original);
          while (!sliced.step(7));
          const copy = k % 2 ? sliced.sim : cloneSim(original);
          const fromCopy = runFrom(copy, c.steps, k);
          // The copy ran on: the original is still where it was.
          expect(runFrom(cloneSim(original), [], 0), `${c.id} at ${k}: original changed`).toEqual(before);
          expect(fromCopy, `${c.id} from step ${k}`).toEqual(runFrom(original, c.steps, k));
        }
      }
    },
  );
});
