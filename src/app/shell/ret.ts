// How a step's return value reads: an errno, a count, or what stopped it.
import type { StepSummary } from '../../worker/session';

export function retText(s: StepSummary): { text: string; bad: boolean } {
  if (s.skipped) return { text: 'not run', bad: false };
  if (s.simError) return { text: 'refused by the simulator', bad: true };
  const r = s.ret;
  if (typeof r === 'string') return { text: r, bad: r.startsWith('-E') || r === 'KERNEL_BUG' || r === 'BLOCKED' };
  return { text: r === null ? 'done' : String(r), bad: false };
}

/** The kernel path a step took: each function once in the order first called, and the calls in all. */
export function pathText(path: readonly string[], calls: number): string {
  const text = path.join(' → ');
  return calls <= path.length ? text : `${text} (${calls.toLocaleString('en-US')} calls, each named once)`;
}
