// The `?` sheet: every command and its keys, straight from the command registry.
import { useView } from '../../state/view';
import { COMMANDS } from '../commands';

const KEY_NAME: Record<string, string> = { ' ': 'Space', ArrowRight: '→', ArrowLeft: '←', 'Ctrl+z': 'Ctrl Z' };

export function HelpSheet() {
  const open = useView((s) => s.help);
  if (!open) return null;
  const groups = [...new Set(COMMANDS.map((c) => c.group))];
  return (
    <div className="help-backdrop" onClick={() => useView.getState().set({ help: false })}>
      <div
        className="help-sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="help-title">Keyboard</h2>
        {groups.map((g) => (
          <section key={g}>
            <h3>{g}</h3>
            <dl>
              {COMMANDS.filter((c) => c.group === g).map((c) => (
                <div key={c.id}>
                  <dt>
                    {c.keys.map((k) => (
                      <kbd key={k}>{KEY_NAME[k] ?? k}</kbd>
                    ))}
                  </dt>
                  <dd>{c.title}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <p className="muted small">
          In the translation map: drag to pan, wheel to zoom the lane under the pointer, double-click to fit it. A tree
          wider than its card is a tab stop: there ← → scroll it instead of stepping.
        </p>
        <button type="button" onClick={() => useView.getState().set({ help: false })} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}
