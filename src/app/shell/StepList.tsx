// The steps of the case, one row each (op, return value, the outputs that matter), virtualized so a
// 10,000-step case scrolls as lightly as a 5-step one; the current step shows the kernel path and, when an
// errno came back, the check that failed.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { stepCount, useSession } from '../../state/session';
import { ensureSummaries, seek } from '../actions';
import { commandById } from '../commands';
import { openScenarioFile } from '../files';
import { PathLinks } from './PathLinks';
import { retText } from './ret';

const ROW = 26;

export function StepList() {
  const n = useSession(stepCount);
  const hasDoc = useSession((s) => s.doc !== null);
  const cursor = useSession((s) => s.cursor);
  const shown = useSession((s) => s.shown);
  const summaries = useSession((s) => s.summaries);
  useSession((s) => s.summariesVersion);
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState(0);
  const [height, setHeight] = useState(400);
  // Row 0 is the environment as built, step i is row i + 1: the cursor's row.
  const current = cursor - 1;
  // Keep the cursor's row in view: a cursor out of view (after a step, or the box resized: the step's
  // details below it come and go) moves the scroll in this same render, so a jump far away draws the rows
  // there once (not first around the old place, then again after the scroll).
  const [followed, setFollowed] = useState<{ current: number; height: number } | null>(null);
  if (followed?.current !== current || followed.height !== height) {
    setFollowed({ current, height });
    const top = (current + 1) * ROW;
    // Whole pixels: the box scrolls to whole pixels, and a scroll event that reported another place than
    // the one asked for would draw the rows again.
    if (top < scroll || top > scroll + height - ROW * 3)
      setScroll(Math.round(Math.min(Math.max(0, top - height / 3), Math.max(0, (n + 1) * ROW - height))));
  }

  // The box's real height before the first paint, then on every resize.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Where the box is scrolled, as its scroll events said (reading scrollTop would force a layout of the
  // whole page in the middle of a jump: it is written, never read).
  const scrolled = useRef(0);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || scrolled.current === scroll) return;
    el.scrollTop = scroll;
    // The box may stop short of it (the end of the list, a box resized since): the scroll event that
    // follows says where it went, and its rows go there.
    scrolled.current = scroll;
  }, [scroll]);

  const first = Math.max(0, Math.floor(scroll / ROW) - 5);
  const last = Math.min(n, Math.ceil((scroll + height) / ROW) + 5);
  useEffect(() => void ensureSummaries(first, last), [first, last]);

  const rows = [];
  for (let i = first; i < last; i++) {
    const s = summaries.get(i);
    const r = s ? retText(s) : null;
    rows.push(
      <li
        key={i}
        className={`step ${i === current ? 'current' : ''} ${r?.bad ? 'failed' : ''} ${i >= cursor ? 'ahead' : ''}`}
        style={{ top: (i + 1) * ROW }}
        data-testid={`step-${i}`}
        aria-current={i === current ? 'step' : undefined}
      >
        <button type="button" onClick={() => seek(i + 1)} title={s?.reason ?? s?.brief ?? ''}>
          <span className="idx">{i + 1}</span>
          <code className="op">{s?.op ?? '…'}</code>
          <span className={`ret ${r?.bad ? 'bad' : ''}`}>{r?.text ?? ''}</span>
          <span className="brief">{s?.brief}</span>
        </button>
      </li>,
    );
  }
  // The step the views draw (the cursor's once its state has come): described with its state, not before.
  const cur = shown > 0 ? summaries.get(shown - 1) : undefined;

  return (
    <div className="steps-panel">
      <div className="panel-title-row">
        <h2 className="panel-title">Steps</h2>
        <button
          type="button"
          className="small"
          onClick={() => commandById('file.open').run()}
          title="Open a scenario file (o), or drop one on the page"
        >
          Open…
        </button>
        <button
          type="button"
          className="small"
          onClick={() => commandById('file.save').run()}
          title="Save this scenario as a file (s)"
          disabled={n === 0 && !hasDoc}
        >
          Save
        </button>
        <input
          id="scenario-file"
          type="file"
          accept=".json,application/json"
          className="sr-only"
          tabIndex={-1}
          aria-label="File to open"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void openScenarioFile(f);
          }}
        />
      </div>
      <div
        className="step-scroll"
        ref={box}
        onScroll={(e) => setScroll((scrolled.current = e.currentTarget.scrollTop))}
        tabIndex={-1}
      >
        <ol
          className="step-list"
          style={{ height: (n + 1) * ROW, ['--idx-digits' as string]: Math.max(2, String(n).length) }}
          aria-label="Steps of the case"
        >
          <li className={`step ${cursor === 0 ? 'current' : ''}`} style={{ top: 0 }}>
            <button type="button" onClick={() => seek(0)}>
              <span className="idx">0</span>
              <span className="muted">environment as built</span>
            </button>
          </li>
          {rows}
        </ol>
      </div>
      {cur && (
        <div className="step-detail" data-testid="step-detail">
          <div>
            <code className="op">{cur.op}</code> →{' '}
            <span className={`ret ${retText(cur).bad ? 'bad' : ''}`}>{retText(cur).text}</span>
            {cur.entry && <span className="muted"> ({cur.entry})</span>}
          </div>
          {cur.narration && (
            <p className="narration" data-testid="step-narration">
              {cur.narration}
            </p>
          )}
          {cur.reason && (
            <p className="reason" data-testid="step-reason">
              {cur.reason}
            </p>
          )}
          {cur.simError && <p className="reason bad">{cur.simError}</p>}
          {cur.skipped && <p className="reason">Not run: {cur.skipped}.</p>}
          {cur.warnings.map((w) => (
            <p key={w} className="reason warn">
              {w}
            </p>
          ))}
          {cur.woken.map((w) => (
            <p key={w.step} className="reason">
              Woke step {w.step + 1}, which returned {String(w.ret)}.
            </p>
          ))}
          {cur.path.length > 0 && <PathLinks path={cur.path} calls={cur.calls} />}
          {cur.brief && <p className="brief">{cur.brief}</p>}
        </div>
      )}
    </div>
  );
}
