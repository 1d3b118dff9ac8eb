// Scenario files: the case format saved from the page (with "$schema" naming the JSON Schema the page
// serves, so an editor checks the file) and opened from a file picker or dropped on the page. A file is
// untrusted like a link: too big, not JSON or refused by the worker gives a message and keeps the page.

import { useSession } from '../state/session';
import { useAppStore } from '../state/store';
import { openScenario } from './actions';

/** The most a scenario file may be, as for the command-line runner. */
const MAX_FILE_BYTES = 16 << 20;

/** The scenario as a file's text: the case format, "$schema" first. */
export function scenarioFileText(doc: unknown, schemaUrl: string): string {
  const rest = { ...(doc as Record<string, unknown>) };
  delete rest.$schema;
  return JSON.stringify({ $schema: schemaUrl, ...rest }, null, 2) + '\n';
}

/** A title as a file name's stem: "VT-d basics: superpages …" → "vt-d-basics-superpages". */
export function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'scenario'
  );
}

/** A file name from a title: "VT-d basics: superpages …" → "vt-d-basics-superpages.json". */
export function fileNameOf(title: string): string {
  return `${slug(title)}.json`;
}

export function saveScenario(): void {
  const { doc, title } = useSession.getState();
  if (doc === null) return;
  const schemaUrl = new URL(`${import.meta.env.BASE_URL}case.schema.json`, window.location.href).href;
  downloadBlob(new Blob([scenarioFileText(doc, schemaUrl)], { type: 'application/json' }), fileNameOf(title));
}

/** Hands a file to the browser's download. */
export function downloadBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export async function openScenarioFile(file: File): Promise<void> {
  const say = (message: string) => useAppStore.getState().set({ message });
  if (file.size > MAX_FILE_BYTES)
    return say(`"${file.name}" is larger than ${MAX_FILE_BYTES >> 20} MiB; the page shows what it showed before.`);
  let doc: unknown;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    return say(`"${file.name}" is not JSON; the page shows what it showed before.`);
  }
  if (await openScenario(doc, file.name)) useAppStore.getState().set({ presetId: null });
}
