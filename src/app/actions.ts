// What the page does on user request: fetch the preset list, load a preset scenario and run it in the
// worker. Errors become a message in the store; the previous scenario and results stay on screen.

import { VENDOR_CONFIGS, withVendor } from '../model/mdev/configs';
import { useAppStore, type PresetEntry } from '../state/store';
import { SimClient, Superseded, WorkerFailed } from '../worker/client';

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

export async function loadPresetList(): Promise<PresetEntry[]> {
  const store = useAppStore.getState();
  try {
    const index = await fetchJson(scenarioUrl('index.json'));
    if (!isPresetList(index) || index.presets.length === 0)
      throw new Error('scenarios/index.json does not list presets as {id, title, file}');
    store.setPresets(index.presets);
    return index.presets;
  } catch (e) {
    store.fail(`Could not load the preset list: ${(e as Error).message}`);
    return [];
  }
}

export async function runPreset(presetId: string): Promise<void> {
  const store = useAppStore.getState();
  const preset = store.presets.find((p) => p.id === presetId);
  if (!preset) return store.fail(`There is no preset "${presetId}".`);
  store.startLoading(presetId);
  try {
    const fetched = await fetchJson(scenarioUrl(preset.file));
    const vendor = VENDOR_CONFIGS.find((c) => c.label === useAppStore.getState().vendor);
    const scenario = vendor ? withVendor(fetched, vendor.vendor) : fetched;
    store.startRunning();
    const results = await sim().run(scenario);
    if (results.error) return store.fail(`The scenario could not be run: ${results.error}`);
    store.finish(presetId, scenario, results);
  } catch (e) {
    if (e instanceof Superseded) return;
    if (e instanceof WorkerFailed)
      return store.fail(
        `Running "${preset.title}" stopped: ${e.message}. A new worker has been started; the results shown are from before.`,
      );
    store.fail(`Running "${preset.title}" failed: ${(e as Error).message}`);
  }
}

export function seedExample() {
  return sim().seedExample();
}

export function cancelRun(): void {
  sim().cancel();
  useAppStore.getState().cancelled();
}
