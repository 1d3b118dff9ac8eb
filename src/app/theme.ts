// The theme in force: the user's choice, or the system's while the choice is "system". It is written on
// the root element as data-theme, the one thing the stylesheet's colours depend on.
import { useEffect } from 'react';
import { useView, type ThemeChoice } from '../state/view';

const dark = () => matchMedia('(prefers-color-scheme: dark)');

export function applyTheme(choice: ThemeChoice): void {
  const resolved = choice === 'system' ? (dark().matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
  if (useView.getState().resolved !== resolved) useView.getState().set({ resolved });
}

/** Keeps data-theme in step with the choice, and with the system while the choice is "system". */
export function useThemeSync(): void {
  const theme = useView((s) => s.theme);
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system') return;
    const media = dark();
    const onChange = () => applyTheme('system');
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [theme]);
}
