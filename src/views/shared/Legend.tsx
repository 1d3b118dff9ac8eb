// The colours and what each means, the same in every view.
import { cssName, MEANING } from './colors';

export function Legend() {
  return (
    <details className="legend">
      <summary>Legend</summary>
      <ul>
        {MEANING.map(([k, text]) => (
          <li key={k}>
            <span className="swatch" style={{ background: `var(${cssName(k)})` }} />
            {text}
          </li>
        ))}
      </ul>
    </details>
  );
}
