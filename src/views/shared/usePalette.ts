// The colour palette of the theme in force, re-read when the user or the system switches theme.
import { useEffect, useState } from 'react';
import { useView } from '../../state/view';
import { readPalette, type Palette } from './colors';

export function usePalette(): Palette {
  const resolved = useView((s) => s.resolved);
  const [palette, setPalette] = useState<Palette>(() => readPalette(document.documentElement));
  useEffect(() => setPalette(readPalette(document.documentElement)), [resolved]);
  return palette;
}
