// What the page should show, computed in Node by the same model the worker runs: a preset opened in a
// Session, its steps' summaries, the state after any step and the chain of any address.
import { readFileSync } from 'node:fs';
import type { Space } from '../src/model/inspect/follow';
import { copyTables } from '../src/model/lib/table';
import { KeptTables } from '../src/worker/kept';
import { Session } from '../src/worker/session';

export const presetDoc = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../public/scenarios/${file}`, import.meta.url), 'utf8'));

export interface PresetEntry {
  id: string;
  title: string;
  file: string;
  tour?: boolean;
}

export const presets = (): PresetEntry[] => (presetDoc('index.json') as { presets: PresetEntry[] }).presets;

/** A preset (or any scenario) loaded the way the page loads it. */
export function openModel(doc: unknown, caseId?: string) {
  const session = new Session();
  const info = session.load(doc, caseId);
  if (info.error) throw new Error(info.error);
  // As the page's worker client does: what a reply leaves out or sends as an edit is put back (a copy
  // each time, as the next reply edits the tables of this one in place).
  const kept = new KeptTables();
  return {
    info,
    steps: session.steps(0, info.steps),
    state: (n: number) => copyTables(kept.fill(session.state(n))),
    follow: (n: number, space: Space, addr: bigint) => session.follow(n, space, addr),
  };
}

/** Numbers as the page writes them. */
export const count = (n: number) => n.toLocaleString('en-US');
export const hexPage = (page: number) => '0x' + (BigInt(page) << 12n).toString(16);
