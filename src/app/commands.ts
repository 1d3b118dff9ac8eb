// Every user action with a key is a command here: the keyboard, the buttons, the `?` sheet and the tests
// all go through this one registry.

import { useEffect } from 'react';
import { useSelection } from '../state/selection';
import { stepCount, useSession } from '../state/session';
import { useView } from '../state/view';
import { seek, undo } from './actions';
import { exportMap } from './export-view';
import { saveScenario } from './files';
import { isPlaying, setPlaying } from './play';
import { copyLink } from './share';
import { scrollsSideways } from '../views/shared/useScrollStop';

export interface Command {
  id: string;
  title: string;
  /** KeyboardEvent.key values, with "Ctrl+" for Ctrl or ⌘. */
  keys: string[];
  group: 'Step' | 'Select' | 'Edit' | 'View';
  run(): void;
}

const step = (d: number) => () => {
  setPlaying(false);
  seek(useSession.getState().cursor + d);
};

const focus = (id: string) => () => document.getElementById(id)?.focus();

export const COMMANDS: Command[] = [
  { id: 'step.next', title: 'Next step', keys: ['ArrowRight', 'j'], group: 'Step', run: step(1) },
  { id: 'step.prev', title: 'Previous step', keys: ['ArrowLeft', 'k'], group: 'Step', run: step(-1) },
  { id: 'step.next10', title: '10 steps forward', keys: ['PageDown'], group: 'Step', run: step(10) },
  { id: 'step.prev10', title: '10 steps back', keys: ['PageUp'], group: 'Step', run: step(-10) },
  {
    id: 'step.first',
    title: 'The environment as built (before step 1)',
    keys: ['Home'],
    group: 'Step',
    run: () => {
      setPlaying(false);
      seek(0);
    },
  },
  {
    id: 'step.last',
    title: 'After the last step',
    keys: ['End'],
    group: 'Step',
    run: () => {
      setPlaying(false);
      seek(stepCount(useSession.getState()));
    },
  },
  { id: 'step.play', title: 'Play / pause', keys: [' '], group: 'Step', run: () => setPlaying(!isPlaying()) },
  { id: 'step.jump', title: 'Jump to step N', keys: ['g'], group: 'Step', run: focus('jump-to') },
  { id: 'select.follow', title: 'Follow an address', keys: ['f'], group: 'Select', run: focus('follow-addr') },
  {
    id: 'select.clear',
    title: 'Clear the selection',
    keys: ['Escape'],
    group: 'Select',
    run: () => {
      useSelection.getState().set({ pinned: null, hover: null, follow: null });
      useView.getState().set({ help: false });
    },
  },
  { id: 'edit.add', title: 'Add a step after this one', keys: ['n'], group: 'Edit', run: focus('op-choice') },
  { id: 'edit.undo', title: 'Undo the last edit', keys: ['Ctrl+z'], group: 'Edit', run: () => void undo() },
  {
    id: 'view.map',
    title: 'Focus the translation map (+ − zoom, 0 fit, z zoom to selection)',
    keys: ['m'],
    group: 'View',
    run: focus('map-canvas'),
  },
  {
    id: 'view.theme',
    title: 'Switch light / dark / system theme',
    keys: ['t'],
    group: 'View',
    run: () => {
      const order = ['system', 'light', 'dark'] as const;
      const v = useView.getState();
      v.set({ theme: order[(order.indexOf(v.theme) + 1) % order.length] });
    },
  },
  {
    id: 'file.open',
    title: 'Open a scenario file (or drop one on the page)',
    keys: ['o'],
    group: 'Edit',
    run: () => document.getElementById('scenario-file')?.click(),
  },
  { id: 'file.save', title: 'Save this scenario as a file', keys: ['s'], group: 'Edit', run: () => saveScenario() },
  {
    id: 'view.svg',
    title: 'Save the map as SVG',
    keys: ['e'],
    group: 'View',
    run: () => void exportMap('svg'),
  },
  {
    id: 'view.png',
    title: 'Save the map as PNG',
    keys: ['E'],
    group: 'View',
    run: () => void exportMap('png'),
  },
  {
    id: 'share.copy',
    title: 'Copy a link to this step, selection and view',
    keys: ['l'],
    group: 'View',
    run: () => void copyLink(),
  },
  {
    id: 'view.help',
    title: 'Keyboard shortcuts',
    keys: ['?'],
    group: 'View',
    run: () => useView.getState().set({ help: !useView.getState().help }),
  },
];

export function commandById(id: string): Command {
  return COMMANDS.find((c) => c.id === id)!;
}

function keyOf(e: KeyboardEvent): string {
  return (e.ctrlKey || e.metaKey ? 'Ctrl+' : '') + e.key;
}

const EVERY_COMMAND = () => true;

/** The keyboard: a key that a command names (and `allow` lets through) runs it, unless the user is typing in a field. */
export function useKeymap(allow: (c: Command) => boolean = EVERY_COMMAND): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing =
        t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
      if (typing && e.key !== 'Escape') return;
      if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && scrollsSideways(t)) return;
      if (e.altKey) return;
      const key = keyOf(e);
      const cmd = COMMANDS.find((c) => c.keys.includes(key));
      if (!cmd || !allow(cmd)) return;
      // Space on a button presses the button; only elsewhere is it play/pause.
      if (e.key === ' ' && t?.tagName === 'BUTTON') return;
      e.preventDefault();
      cmd.run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [allow]);
}
