// A step's kernel path with each function linked to its definition at the profile's kernel tag.
import { Fragment } from 'react';
import { useSession } from '../../state/session';
import { functionLink } from './kernel-links';

export function PathLinks({ path, calls }: { path: readonly string[]; calls: number }) {
  const kernel = useSession((s) => s.info?.kernel ?? null);
  return (
    <code className="path" data-testid="step-path">
      {path.map((name, i) => {
        const href = functionLink(name, kernel);
        return (
          <Fragment key={name}>
            {i > 0 && ' → '}
            {href ? (
              <a
                href={href}
                target="_blank"
                rel="noopener noreferrer"
                title={`${name} in Linux ${href.split('/')[4]} (Elixir)`}
              >
                {name}
              </a>
            ) : (
              name
            )}
          </Fragment>
        );
      })}
      {calls > path.length && ` (${calls.toLocaleString('en-US')} calls, each named once)`}
    </code>
  );
}
