// What the page does on user request: fetch the preset list, open a scenario in the worker's session,
// step to any step (the newest request wins; replies are never queued), edit the scenario and undo.
// Errors become a message; the scenario and state already shown stay.

import { vendorConfig, withVendor } from '../model/mdev/configs';
import type { Chain, Space } from '../model/inspect/follow';
import { useSelection } from '../state/selection';
import { useSession, type Edit } from '../state/session';
import { useAppStore, type PresetEntry } from '../state/store';
import { SimClient, Superseded, WorkerFailed } from '../worker/client';
import { SUMMARY_PAGE } from '../worker/protocol';

/** The kernel profile the user put in place of each case's own, if any. */
const loadOpts = (): { kernel?: string } => {
  const kernel = useAppStore.getState().kernel;
  return kernel ? { kernel } : {};
};

let client: SimClient | null = null;
/** The page's one simulation worker, started on first use. */
export const sim = () => (client ??= new SimClient());

const scenarioUrl = (file: string) => `${import.meta.env.BASE_URL}scenarios/${file}`;

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
}

function isPresetList(v: unknown): v is { presets: PresetEntry[] } {
  const list = (v as { presets?: unknown } | null)?.presets;
  return (
    Array.isArray(list) &&
    list.every((p) => typeof p?.id === 'string' && typeof p?.file === 'string' && typeof p?.title === 'string')
  );
}

/** Says what went wrong, keeping what is on screen. */
function failed(what: string, e: unknown): void {
  if (e instanceof Superseded) return;
  const store = useAppStore.getState();
  if (e instanceof WorkerFailed) {
    store.set({
      status: 'error',
      message: `${what} stopped: ${e.message}. A new worker has been started; the results shown are from before.`,
    });
    // The new worker has no session: load the scenario on screen again.
    const { doc, title } = useSession.getState();
    if (doc !== null) void openScenario(doc, title, { keepCursor: true, quiet: true });
    return;
  }
  store.set({ status: 'error', message: `${what} failed: ${(e as Error).message}` });
}

export async function loadPresetList(): Promise<PresetEntry[]> {
  try {
    const index = await fetchJson(scenarioUrl('index.json'));
    if (!isPresetList(index) || index.presets.length === 0)
      throw new Error('scenarios/index.json does not list presets as {id, title, file}');
    useAppStore.getState().set({ presets: index.presets });
    return index.presets;
  } catch (e) {
    useAppStore.getState().set({ status: 'error', message: `Could not load the preset list: ${(e as Error).message}` });
    return [];
  }
}

let presetRequests = 0;
/** How many times a preset was asked for since the page loaded. */
export const presetsRequested = (): number => presetRequests;

export async function openPreset(presetId: string): Promise<void> {
  presetRequests++;
  const store = useAppStore.getState();
  const preset = store.presets.find((p) => p.id === presetId);
  if (!preset) return store.set({ status: 'error', message: `There is no preset "${presetId}".` });
  store.set({ status: 'loading', message: null });
  try {
    const fetched = await fetchJson(scenarioUrl(preset.file));
    const vendor = vendorConfig(useAppStore.getState().vendor);
    const doc = vendor ? withVendor(fetched, vendor.vendor) : fetched;
    // A tour starts at its beginning, with the caption that sets the scene; other presets show their end.
    const opts = preset.tour ? { cursor: 0 } : {};
    if (await openScenario(doc, preset.title, opts)) useAppStore.getState().set({ presetId });
  } catch (e) {
    failed(`Loading "${preset.title}"`, e);
  }
}

/**
 * Runs a scenario's first case (or caseId) in the worker and shows its last step (or `cursor`). False when the worker
 * refused it; the previous scenario then stays.
 */
export async function openScenario(
  doc: unknown,
  title: string,
  opts: { caseId?: string; keepCursor?: boolean; quiet?: boolean; cursor?: number } = {},
): Promise<boolean> {
  const store = useAppStore.getState();
  store.set({ status: 'running', ...(opts.quiet ? {} : { message: null }) });
  try {
    const info = await sim().session('load', doc, opts.caseId, loadOpts());
    if (info.error !== null) {
      store.set({ status: 'error', message: `The scenario could not be run: ${info.error}` });
      // The worker's session now holds nothing usable: put the previous scenario back.
      const prev = useSession.getState();
      if (prev.doc !== null && prev.doc !== doc)
        await sim().session('load', prev.doc, prev.info?.caseId ?? undefined, loadOpts());
      return false;
    }
    const cursor = Math.min(opts.cursor ?? (opts.keepCursor ? useSession.getState().cursor : info.steps), info.steps);
    // The cursor moves with the case: a key pressed while the summaries below load counts from it.
    useSession.getState().set({
      doc,
      title,
      info,
      cursor,
      // The old case's state must not be drawn against the new case (the map fits itself to the new one).
      state: null,
      changes: null,
      summaries: new Map(),
      summariesVersion: 0,
      shown: -1,
      undo: opts.keepCursor ? useSession.getState().undo : [],
    });
    useSelection.getState().set({ hover: null, pinned: null, follow: null });
    await ensureSummaries(Math.max(0, cursor - 100), cursor + 100);
    store.set({
      status: 'idle',
      ...(opts.quiet ? {} : { message: info.warnings.length ? `Warnings: ${info.warnings.join('; ')}` : null }),
    });
    // Where the cursor is now: the user may have stepped meanwhile.
    seek(useSession.getState().cursor);
    return true;
  } catch (e) {
    failed(`Running "${title}"`, e);
    return false;
  }
}

let pumping = false;
/** Waiting for the state being fetched to be on screen (see whenShown). */
let waiting: Array<() => void> = [];

/**
 * Resolves once no state is on its way and the frame after the last one has been drawn: the step list's
 * summaries are asked for then, so their replies do not hold up the frame that shows the step.
 */
function whenShown(): Promise<void> {
  return pumping ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve();
}

/** Moves to step n (0 … steps): the state follows as soon as the worker has it. */
export function seek(n: number): void {
  const s = useSession.getState();
  const target = Math.max(0, Math.min(Math.round(n), s.info?.steps ?? 0));
  performance.mark('vgpu:seek', { detail: target });
  s.set({ cursor: target });
  if (!pumping) void pump();
}

/** Asks the worker for the cursor's state until the state shown is the one wanted. */
async function pump(): Promise<void> {
  pumping = true;
  try {
    for (;;) {
      const { cursor, shown, info } = useSession.getState();
      if (!info || cursor === shown) return;
      const reply = await sim().session('state', cursor);
      const s = useSession.getState();
      // The step's summary comes with its state: the step list describes the step the views draw.
      if (reply.summary) s.summaries.set(reply.summary.index, reply.summary);
      s.set({
        state: reply.state,
        changes: reply.changes,
        shown: reply.cursor,
        ...(reply.summary ? { summariesVersion: s.summariesVersion + 1 } : {}),
      });
      void ensureSummaries(reply.cursor - 50, reply.cursor + 50);
      void refollow();
    }
  } catch (e) {
    failed('Stepping', e);
  } finally {
    pumping = false;
    const ready = waiting;
    waiting = [];
    requestAnimationFrame(() => setTimeout(() => ready.forEach((f) => f())));
  }
}

const fetching = new Set<number>();

/** Makes sure the step list has the summaries of steps [from, to). */
export async function ensureSummaries(from: number, to: number): Promise<void> {
  await whenShown();
  const { info } = useSession.getState();
  if (!info) return;
  const first = Math.max(0, Math.floor(from / SUMMARY_PAGE));
  const last = Math.floor(Math.min(info.steps, Math.max(to, 0)) / SUMMARY_PAGE);
  // A page is there when every step of it is: a state's reply brings one step of some page, and replies
  // of steps far apart (a key held down) can bring any of them.
  const have = (p: number) => {
    const got = useSession.getState().summaries;
    for (let i = p * SUMMARY_PAGE; i < Math.min(info.steps, (p + 1) * SUMMARY_PAGE); i++) if (!got.has(i)) return false;
    return true;
  };
  for (let p = first; p <= last; p++) {
    if (fetching.has(p) || have(p) || p * SUMMARY_PAGE >= info.steps) continue;
    fetching.add(p);
    try {
      const list = await sim().session('steps', p * SUMMARY_PAGE, SUMMARY_PAGE);
      const s = useSession.getState();
      // Added in place (a long case's list holds thousands after some jumps, copied on every fetch
      // otherwise): readers follow summariesVersion.
      for (const x of list) s.summaries.set(x.index, x);
      s.set({ summariesVersion: s.summariesVersion + 1 });
    } catch (e) {
      failed('Reading the step list', e);
    } finally {
      fetching.delete(p);
    }
  }
}

interface CaseDoc {
  cases: Array<{ id?: string; steps?: unknown[] }>;
}

/** The steps of the loaded case in the working document. */
function caseSteps(doc: unknown, caseId: string | null): unknown[] | null {
  const c = (doc as CaseDoc | null)?.cases?.find((k) => k?.id === caseId);
  return Array.isArray(c?.steps) ? c.steps : null;
}

/** Reloads an edited document, keeping the checkpoints of the steps before `fromStep`. */
async function reload(doc: unknown, fromStep: number, cursor: number): Promise<string | null> {
  const s = useSession.getState();
  const info = await sim().session('load', doc, s.info?.caseId ?? undefined, { ...loadOpts(), fromStep });
  if (info.error !== null) return info.error;
  // Summaries are fetched a page at a time: drop the whole page the edit starts in.
  const kept = Math.floor(fromStep / SUMMARY_PAGE) * SUMMARY_PAGE;
  s.set({ doc, info, cursor, summaries: new Map([...s.summaries].filter(([k]) => k < kept)), shown: -1 });
  await ensureSummaries(Math.max(0, cursor - 100), cursor + 100);
  seek(useSession.getState().cursor);
  return null;
}

/** Inserts a step after the current one and goes to it; the steps after it run again. Null or why not. */
export async function insertStep(op: string, args: Record<string, unknown>): Promise<string | null> {
  const s = useSession.getState();
  const steps = caseSteps(s.doc, s.info?.caseId ?? null);
  if (!steps) return 'no scenario is loaded';
  const at = s.cursor;
  const doc = structuredClone(s.doc) as CaseDoc;
  caseSteps(doc, s.info!.caseId)!.splice(at, 0, { op, args });
  const edit: Edit = { doc: s.doc, cursor: at, fromStep: at, what: `${op} after step ${at}` };
  try {
    const error = await reload(doc, at, at + 1);
    if (error) {
      // The worker refused the new document: keep working on the old one.
      await sim().session('load', edit.doc, s.info?.caseId ?? undefined, { ...loadOpts(), fromStep: at });
      return error;
    }
    useSession.getState().set({ undo: [...useSession.getState().undo, edit] });
    return null;
  } catch (e) {
    failed('Adding the step', e);
    return (e as Error).message;
  }
}

/** Undoes the last edit: the document and the step the user was on come back. */
export async function undo(): Promise<void> {
  const s = useSession.getState();
  const edit = s.undo.at(-1);
  if (!edit) return;
  try {
    const error = await reload(edit.doc, edit.fromStep, edit.cursor);
    if (!error) useSession.getState().set({ undo: useSession.getState().undo.slice(0, -1) });
  } catch (e) {
    failed('Undoing the edit', e);
  }
}

let followSeq = 0;

/**
 * Asks the worker for the chain of `addr` at the step shown. A step that changes while the question is
 * out is asked again, and a newer follow wins over an older reply: the chain is always the shown step's.
 */
async function chainAtShown(space: Space, hex: string): Promise<Chain | null> {
  const seq = ++followSeq;
  for (;;) {
    const at = useSession.getState().shown;
    const chain = await sim().session('follow', at, space, hex);
    if (seq !== followSeq) return null;
    if (useSession.getState().shown === at) return chain;
  }
}

/** Follows an address through every translation at the shown step. */
export async function followAddress(space: Space, addr: string): Promise<void> {
  const sel = useSelection.getState();
  let value: bigint;
  try {
    value = BigInt(addr.trim());
    if (value < 0n || value >= 1n << 64n) throw new Error('out of range');
  } catch {
    return sel.set({
      follow: { space, addr, chain: null, error: `"${addr}" is not an address (hex like 0x1000, or decimal)` },
    });
  }
  try {
    const hex = '0x' + value.toString(16);
    const chain = await chainAtShown(space, hex);
    if (!chain) return;
    // The followed page becomes the selection, so every view shows where it lands.
    useSelection.getState().set({
      follow: { space, addr: hex, chain, error: null },
      pinned: { space, lo: Number(value >> 12n), pages: 1, label: `the followed ${space} ${hex}` },
    });
  } catch (e) {
    failed('Following the address', e);
  }
}

/** The followed address's chain at the step now shown (the selection is left as the user made it). */
async function refollow(): Promise<void> {
  const f = useSelection.getState().follow;
  if (!f?.chain) return;
  try {
    const chain = await chainAtShown(f.space, f.addr);
    if (chain && useSelection.getState().follow?.addr === f.addr)
      useSelection.getState().set({ follow: { ...f, chain } });
  } catch (e) {
    failed('Following the address', e);
  }
}

export function seedExample() {
  return sim().seedExample();
}

export function cancelRun(): void {
  sim().cancel();
  useAppStore
    .getState()
    .set({ status: 'cancelled', message: 'The run was cancelled; the state shown is from before it.' });
  const { doc, title } = useSession.getState();
  if (doc !== null) void openScenario(doc, title, { keepCursor: true, quiet: true });
}
