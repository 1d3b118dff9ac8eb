// The timeline: first / back / play / forward / last, a slider to scrub, jump to step N, and what the
// current step did: its op, its return value and the kernel path the model took.
import { useState, useSyncExternalStore } from 'react';
import { stepCount, useSession } from '../../state/session';
import { seek } from '../actions';
import { commandById } from '../commands';
import { isPlaying, onPlayChange } from '../play';
import { Icon } from './icons';
import { pathText, retText } from './ret';

export function Timeline() {
  const cursor = useSession((s) => s.cursor);
  const shown = useSession((s) => s.shown);
  const n = useSession(stepCount);
  // What the step the views draw did (the cursor's once its state has come).
  const current = useSession((s) => (s.shown > 0 ? s.summaries.get(s.shown - 1) : undefined));
  useSession((s) => s.summariesVersion);
  const playing = useSyncExternalStore(onPlayChange, isPlaying);
  const [jump, setJump] = useState('');
  const run = (id: string) => () => commandById(id).run();

  return (
    <div className="timeline" role="group" aria-label="Timeline">
      <div className="timeline-buttons">
        <button type="button" onClick={run('step.first')} title="Before step 1 (Home)" aria-label="First">
          <Icon name="first" />
        </button>
        <button type="button" onClick={run('step.prev')} title="Previous step (←)" aria-label="Previous step">
          <Icon name="prev" />
        </button>
        <button
          type="button"
          onClick={run('step.play')}
          title="Play / pause (space)"
          aria-label={playing ? 'Pause' : 'Play'}
        >
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <button type="button" onClick={run('step.next')} title="Next step (→)" aria-label="Next step">
          <Icon name="next" />
        </button>
        <button type="button" onClick={run('step.last')} title="After the last step (End)" aria-label="Last">
          <Icon name="last" />
        </button>
      </div>
      <input
        type="range"
        className="scrub"
        min={0}
        max={n}
        value={cursor}
        onChange={(e) => seek(Number(e.target.value))}
        aria-label="Step"
        aria-valuetext={`step ${cursor} of ${n}`}
      />
      <form
        className="jump"
        onSubmit={(e) => {
          e.preventDefault();
          const k = Number(jump);
          if (jump.trim() !== '' && Number.isInteger(k)) seek(k);
          setJump('');
          (document.activeElement as HTMLElement | null)?.blur();
        }}
      >
        <label htmlFor="jump-to">Step</label>
        <input
          id="jump-to"
          inputMode="numeric"
          value={jump}
          placeholder={String(cursor)}
          onChange={(e) => setJump(e.target.value)}
          aria-describedby="step-of"
        />
        <span id="step-of" data-testid="step-position">
          of {n}
          {shown !== cursor && shown >= 0 ? ' …' : ''}
        </span>
      </form>
      <div className="now" data-testid="current-step" aria-live="polite">
        {shown === 0 ? (
          <span className="muted">The environment as built: groups attached, guest RAM mapped, before step 1.</span>
        ) : current ? (
          <>
            <code className="op">{current.op}</code> →{' '}
            <span className={`ret ${retText(current).bad ? 'bad' : ''}`}>{retText(current).text}</span>
            {current.path.length > 0 && <code className="path">{pathText(current.path, current.calls)}</code>}
          </>
        ) : null}
      </div>
    </div>
  );
}
