// Share links in the page: "Copy link" writes the inputs of what is on screen into the fragment (a new
// history entry, so Back returns to the link before) and the clipboard; opening a page with a link, or
// the fragment changing (Back, Forward, a link pasted into the address bar), opens what it holds. A link
// that does not open leaves the page as it was and says why.

import { MODEL_VERSION } from '../model/version';
import { useSelection } from '../state/selection';
import { useSession } from '../state/session';
import { useAppStore } from '../state/store';
import { useView } from '../state/view';
import { decodeLink, encodeLink, isLink } from '../url/codec';
import { followAddress, openScenario } from './actions';

/** Past this a link may be cut by mail and chat programs. */
const LONG_LINK = 8000;
let opening = 0;

/** Opens the link in `hash`; false when there was none or it did not open (the page then says why). */
export async function openLink(hash: string, title = 'Shared link'): Promise<boolean> {
  if (!isLink(hash)) return false;
  const seq = ++opening;
  const store = useAppStore.getState();
  const r = await decodeLink(hash);
  if (seq !== opening) return false;
  if (!r.ok) {
    store.set({
      status: useSession.getState().doc === null ? 'error' : 'idle',
      message: `This link could not be opened: ${r.error}. The page shows what it showed before.`,
    });
    return false;
  }
  const s = r.state;
  const kernelBefore = useAppStore.getState().kernel;
  useAppStore.getState().set({ kernel: s.kernel });
  const opened = await openScenario(s.doc, title, {
    caseId: s.caseId ?? undefined,
    quiet: true,
    cursor: s.step,
  });
  if (!opened) useAppStore.getState().set({ kernel: kernelBefore });
  if (!opened || seq !== opening) return false;
  store.set({ presetId: null });
  useView.getState().set({ tab: s.tab });
  if (s.follow) await followAddress(s.follow.space, s.follow.addr);
  useSelection.getState().set({ pinned: s.selection });
  useAppStore.getState().set({
    message:
      s.model === MODEL_VERSION
        ? null
        : `This link was made with model version ${s.model}; this build's model is ${MODEL_VERSION}, so steps may return other results than they did for its author.`,
  });
  return true;
}

/** The link to what is on screen. */
export async function currentLink(): Promise<string | null> {
  const { doc, info, cursor } = useSession.getState();
  if (doc === null) return null;
  const { pinned, follow } = useSelection.getState();
  return encodeLink({
    doc,
    caseId: info?.caseId ?? null,
    step: cursor,
    selection: pinned,
    follow: follow?.chain ? { space: follow.space, addr: follow.addr } : null,
    tab: useView.getState().tab,
    kernel: useAppStore.getState().kernel,
    model: MODEL_VERSION,
  });
}

export async function copyLink(): Promise<void> {
  const link = await currentLink();
  if (!link) return;
  window.history.pushState(null, '', link);
  const url = window.location.href;
  const long =
    url.length > LONG_LINK
      ? ' Links this long may be cut by mail and chat programs: send the scenario file instead.'
      : '';
  let message: string;
  try {
    await navigator.clipboard.writeText(url);
    message = `Link copied (${url.length.toLocaleString('en')} characters).${long}`;
  } catch {
    message = `The link is in the address bar (the clipboard was not available to the page).${long}`;
  }
  useAppStore.getState().set({
    message,
    messageAction: long ? { for: message, label: 'Save the scenario file', command: 'file.save' } : null,
  });
}

/** Back, Forward and a link pasted into the address bar change only the fragment: open what it holds. */
export function listenForLinks(): () => void {
  const on = () => void openLink(window.location.hash);
  window.addEventListener('hashchange', on);
  return () => window.removeEventListener('hashchange', on);
}
