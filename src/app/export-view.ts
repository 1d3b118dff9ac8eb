// "Save the map as SVG / PNG": the translation map on screen, titled with the scenario and the step it shows.

import { stepCount, useSession } from '../state/session';
import { useAppStore } from '../state/store';
import { mapPng, mapSvg } from '../views/translation/export';
import { downloadBlob, slug } from './files';
import { retText } from './shell/ret';

function titleOf(): { title: string; file: string } {
  const s = useSession.getState();
  const step = s.shown >= 0 ? s.shown : s.cursor;
  const sum = step > 0 ? s.summaries.get(step - 1) : undefined;
  const what = step === 0 ? 'the environment as built' : sum ? `${sum.op} → ${retText(sum).text}` : '';
  return {
    title: `${s.title} · step ${step} of ${stepCount(s)}${what ? `: ${what}` : ''}`,
    file: `${slug(s.title)}-step-${step}`,
  };
}

export async function exportMap(kind: 'svg' | 'png'): Promise<void> {
  const { title, file } = titleOf();
  const blob =
    kind === 'svg'
      ? ((svg) => (svg === null ? null : new Blob([svg], { type: 'image/svg+xml' })))(mapSvg(title))
      : await mapPng(title);
  if (!blob) {
    useAppStore.getState().set({ message: 'There is no map on screen to save yet.' });
    return;
  }
  downloadBlob(blob, `${file}.${kind}`);
}
