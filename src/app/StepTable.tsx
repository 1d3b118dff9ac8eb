// The steps of one case: op, what the kernel returned, the key outputs and, for an errno, why.
import type { CaseResult } from '../model/engine/types';
import { stepReason, stepSummary } from './summary';

export function StepTable({ result }: { result: CaseResult }) {
  return (
    <table className="steps">
      <caption>
        Steps of {result.id} (kernel {result.kernel})
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">op</th>
          <th scope="col">ret</th>
          <th scope="col">outputs</th>
        </tr>
      </thead>
      <tbody>
        {result.steps.map((s, i) => {
          const reason = stepReason(s);
          const failed = typeof s.ret === 'string';
          return (
            <tr key={i} className={failed ? 'failed' : undefined} data-testid={`step-${i}`}>
              <td>{i}</td>
              <td>
                <code>{s.op}</code>
              </td>
              <td>
                <code>{s.ret === null ? '—' : String(s.ret)}</code>
              </td>
              <td>
                {stepSummary(s)}
                {reason && <div className="reason">{reason}</div>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
