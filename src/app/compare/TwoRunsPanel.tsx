// The case on screen run twice, under two kernel profiles or two vendor models, step by step: each step's
// return value under both, what differs marked, and what each run did where they part.
import { useEffect, useRef, useState } from 'react';
import { VENDOR_CONFIGS } from '../../model/mdev/configs';
import { DEFAULT_KERNEL, NAMED_PROFILES } from '../../model/profile';
import { useSession } from '../../state/session';
import { isBusy, useAppStore } from '../../state/store';
import { useView } from '../../state/view';
import { Superseded } from '../../worker/client';
import type { TwoRuns, Variant } from '../../worker/two-runs';
import { seek, sim } from '../actions';
import { Choice, type ChoiceOption } from '../Choice';

const AS_CASE = '';

/** The profile a case names for itself (its own, else its environment's, else the default), whatever the top bar picked. */
function ownKernel(doc: unknown, caseId: string | null): string {
  const d = doc as {
    environments?: Record<string, { kernel?: unknown } | undefined>;
    cases?: Array<{ id?: unknown; kernel?: unknown; env?: unknown } | null>;
  } | null;
  const c = d?.cases?.find((x) => x?.id === caseId);
  const env = typeof c?.env === 'string' ? d?.environments?.[c.env] : (c?.env as { kernel?: unknown } | undefined);
  const k = c?.kernel ?? env?.kernel;
  return typeof k === 'string' ? k : DEFAULT_KERNEL;
}
const kernelOptions = (own: string): Array<ChoiceOption<string>> => [
  { value: AS_CASE, label: `${own} (the case's)` },
  ...NAMED_PROFILES.map((k) => ({ value: k, label: k })),
];
const VENDORS: Array<ChoiceOption<string>> = [
  { value: AS_CASE, label: 'as the scenario' },
  ...VENDOR_CONFIGS.map((c) => ({ value: c.label, label: c.label })),
];

const retText = (r: unknown): string => (r === null ? 'done' : String(r));
const bad = (r: unknown): boolean => typeof r === 'string' && (r.startsWith('-E') || r === 'KERNEL_BUG');

function VariantPicker(props: { name: 'A' | 'B'; v: Variant; own: string; onChange: (v: Variant) => void }) {
  const { name, v, own, onChange } = props;
  return (
    <fieldset className="variant">
      <legend>Run {name}</legend>
      <Choice
        id={`run-${name}-kernel`}
        label="Kernel"
        value={v.kernel ?? AS_CASE}
        options={kernelOptions(own)}
        onChange={(k) => onChange({ ...v, kernel: k || null })}
      />
      <Choice
        id={`run-${name}-vendor`}
        label="vGPU vendor"
        value={v.vendor ?? AS_CASE}
        options={VENDORS}
        onChange={(x) => onChange({ ...v, vendor: x || null })}
      />
    </fieldset>
  );
}

export function TwoRunsPanel() {
  const doc = useSession((s) => s.doc);
  const info = useSession((s) => s.info);
  const status = useAppStore((s) => s.status);
  const [a, setA] = useState<Variant>({ kernel: null, vendor: null });
  const [b, setB] = useState<Variant>({ kernel: '6.15', vendor: null });
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  // The answer and what it was asked for: it is still running while those differ from what is picked now.
  const [answer, setAnswer] = useState<{ for: unknown[]; result: TwoRuns } | null>(null);
  // One run at a time: pickers changed while it runs ask again once it is back, for what is picked then,
  // so the worker never works through runs nobody looks at.
  const inFlight = useRef(false);
  const [returned, setReturned] = useState(0);
  const caseId = info?.caseId ?? null;
  const asked = [doc, caseId, a, b];
  const current = answer !== null && answer.for.every((x, i) => x === asked[i]);
  const result = answer?.result ?? null;
  const running = doc !== null && caseId !== null && !current;

  useEffect(() => {
    if (doc === null || caseId === null || isBusy(status) || current || inFlight.current) return;
    inFlight.current = true;
    const question = [doc, caseId, a, b];
    sim()
      .twoRuns(doc, caseId, a, b)
      .then(
        (r) => setAnswer({ for: question, result: r }),
        (e: unknown) => {
          if (!(e instanceof Superseded))
            setAnswer({
              for: question,
              result: { kernels: ['', ''], steps: [], total: 0, differing: 0, error: (e as Error).message },
            });
        },
      )
      .finally(() => {
        inFlight.current = false;
        setReturned((n) => n + 1);
      });
  }, [doc, caseId, a, b, status, current, returned]);

  const rows = (result?.steps ?? []).filter((s) => !onlyDiffering || s.differs.length > 0);
  const [ka, kb] = result?.kernels ?? ['', ''];
  return (
    <section className="panel compare two-runs" aria-labelledby="two-runs-title">
      <h2 id="two-runs-title">Two runs, step by step</h2>
      <p>
        The case on screen{caseId ? ` (${caseId})` : ''} under two kernel profiles or two vendor models: each step's
        return value under both, and where they differ, what each run did.
      </p>
      <div className="controls">
        <VariantPicker name="A" v={a} own={ownKernel(doc, caseId)} onChange={setA} />
        <VariantPicker name="B" v={b} own={ownKernel(doc, caseId)} onChange={setB} />
      </div>
      <p className="muted" role="status" data-testid="two-runs-summary">
        {running
          ? 'Running both…'
          : result?.error
            ? ''
            : result
              ? `${result.differing.toLocaleString('en-US')} of ${result.total.toLocaleString('en-US')} steps differ (A on ${ka}, B on ${kb}).${result.total > result.steps.length ? ` The first ${result.steps.length} steps are listed.` : ''}`
              : ''}
      </p>
      {result?.error && (
        <p className="error" role="alert">
          {result.error}
        </p>
      )}
      <label className="only-differing">
        <input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} /> Only the
        steps that differ
      </label>
      <div className="table-scroll">
        <table className="two-runs-table" aria-label="Both runs, step by step">
          <thead>
            <tr>
              <th scope="col">step</th>
              <th scope="col">op</th>
              <th scope="col">A ({ka})</th>
              <th scope="col">B ({kb})</th>
              <th scope="col">what differs</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.index} className={s.differs.length ? 'differs' : ''} data-testid={`two-runs-${s.index + 1}`}>
                <td>
                  <button
                    type="button"
                    className="link"
                    title="Show this step in Step through"
                    onClick={() => {
                      useView.getState().set({ tab: 'map' });
                      seek(s.index + 1);
                    }}
                  >
                    {s.index + 1}
                  </button>
                </td>
                <td>
                  <code>{s.op}</code>
                </td>
                {[s.a, s.b].map((side, i) => (
                  <td key={i}>
                    <span className={`ret ${bad(side.ret) ? 'bad' : ''}`}>{retText(side.ret)}</span>
                    {side.narration && <p className="narration">{side.narration}</p>}
                    {side.reason && <p className="reason">{side.reason}</p>}
                  </td>
                ))}
                <td>{s.differs.length ? s.differs.join(', ') : <span className="muted">same</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
