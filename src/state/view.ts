// How the page looks: the colour theme (the system's unless the user picks one) and which tab is open.

import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Tab = 'map' | 'compare';

export interface ViewState {
  theme: ThemeChoice;
  /** The theme in force (the system's when the choice is "system"). */
  resolved: 'light' | 'dark';
  tab: Tab;
  help: boolean;
  set(patch: Partial<Omit<ViewState, 'set'>>): void;
}

export const useView = create<ViewState>()((set) => ({
  theme: 'system',
  resolved: 'light',
  tab: 'map',
  help: false,
  set: (patch) => set(patch),
}));
