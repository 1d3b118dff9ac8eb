// Share links: the URL fragment holds the inputs (the scenario, the case, the step, the selection, the
// followed address, the tab), never outputs, as `#s=<format>.<base64url of deflate-raw of JSON>`.
// Decoding is given untrusted text: every failure is a one-line message, nothing throws, and the
// unpacked size is capped while it is inflated (a few KB can unpack to gigabytes).

import type { Space } from '../model/inspect/follow';

/** The link format this build writes; links of formats 1 … LINK_FORMAT open. */
export const LINK_FORMAT = 1;
/** The longest fragment read at all, and the most its contents may unpack to. */
export const MAX_FRAGMENT_CHARS = 1 << 20;
export const MAX_UNPACKED_BYTES = 4 << 20;

const SPACES: readonly Space[] = ['gpa', 'hva', 'iova', 'hpa', 'dma'];
const TABS = ['map', 'compare'] as const;

export interface LinkState {
  /** The scenario document (the case format), as the user had it, edits included. */
  doc: unknown;
  caseId: string | null;
  step: number;
  selection: { space: Space; lo: number; pages: number; label: string } | null;
  follow: { space: Space; addr: string } | null;
  tab: (typeof TABS)[number];
  /** The kernel profile put in place of the case's own ("6.18"), or null. */
  kernel: string | null;
  /** MODEL_VERSION of the build that made the link. */
  model: string;
}

export type Decoded = { ok: true; state: LinkState } | { ok: false; error: string };

/** Whether a fragment is meant to be a link at all (other fragments are left alone). */
export function isLink(hash: string): boolean {
  return hash.startsWith('#s=');
}

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  cap: number,
): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      throw new RangeError('too big');
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The scenario's JSON, once per document object: the page writes a link (autosave) after every step it
 * moves to, and a 10,000-step scenario takes milliseconds to write out, while only the step changed.
 * Documents are never changed in place: an edit makes a new one (app/actions.ts).
 */
const docJson = new WeakMap<object, string>();

export async function encodeLink(state: LinkState): Promise<string> {
  const key = typeof state.doc === 'object' && state.doc !== null ? state.doc : null;
  let doc = key ? docJson.get(key) : undefined;
  if (doc === undefined) {
    doc = JSON.stringify(state.doc);
    if (key) docJson.set(key, doc);
  }
  // The same text as JSON.stringify of the whole object, doc first.
  const rest = JSON.stringify({
    case: state.caseId ?? undefined,
    step: state.step,
    sel: state.selection ?? undefined,
    follow: state.follow ?? undefined,
    tab: state.tab,
    kernel: state.kernel ?? undefined,
    model: state.model,
  });
  const json = `{"doc":${doc},${rest.slice(1)}`;
  const packed = await pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw'), Infinity);
  return `#s=${LINK_FORMAT}.${base64url(packed)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const shortText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/** The link's fields, checked one by one: the first that is wrong is named. */
function fields(v: unknown): LinkState | string {
  if (!isObject(v)) return 'its contents are not an object';
  if (!isObject(v.doc)) return 'it holds no scenario ("doc" is not an object)';
  if (v.case !== undefined && !shortText(v.case, 200)) return '"case" is not a case id';
  if (!isCount(v.step) || v.step > 1e9) return '"step" is not a step number';
  let selection: LinkState['selection'] = null;
  if (v.sel !== undefined) {
    const s = v.sel;
    if (
      !isObject(s) ||
      !SPACES.includes(s.space as Space) ||
      !isCount(s.lo) ||
      !isCount(s.pages) ||
      !shortText(s.label, 200)
    )
      return '"sel" is not a selection (space, lo, pages, label)';
    selection = { space: s.space as Space, lo: s.lo, pages: s.pages, label: s.label };
  }
  let follow: LinkState['follow'] = null;
  if (v.follow !== undefined) {
    const f = v.follow;
    if (!isObject(f) || !SPACES.includes(f.space as Space) || !shortText(f.addr, 24) || !/^0x[0-9a-f]+$/.test(f.addr))
      return '"follow" is not an address to follow (space and hex address)';
    follow = { space: f.space as Space, addr: f.addr };
  }
  const tab = v.tab ?? 'map';
  if (!TABS.includes(tab as (typeof TABS)[number])) return '"tab" is not a view of this app';
  if (v.kernel !== undefined && !(typeof v.kernel === 'string' && /^\d{1,2}\.\d{1,3}$/.test(v.kernel)))
    return '"kernel" is not a kernel version (major.minor)';
  if (!shortText(v.model, 64)) return '"model" does not name a model version';
  return {
    doc: v.doc,
    caseId: (v.case as string | undefined) ?? null,
    step: v.step,
    selection,
    follow,
    tab: tab as LinkState['tab'],
    kernel: (v.kernel as string | undefined) ?? null,
    model: v.model,
  };
}

export async function decodeLink(hash: string): Promise<Decoded> {
  const fail = (error: string): Decoded => ({ ok: false, error });
  if (!isLink(hash)) return fail('it is not a vgpu-dma-viz link (the fragment does not start with #s=)');
  if (hash.length > MAX_FRAGMENT_CHARS)
    return fail(`it is longer than ${MAX_FRAGMENT_CHARS.toLocaleString('en')} characters`);
  const body = hash.slice(3);
  const dot = body.indexOf('.');
  const format = dot < 0 ? NaN : Number(body.slice(0, dot));
  if (!Number.isSafeInteger(format) || format < 1)
    return fail('it does not say which link format it uses (#s=<format>.<data>)');
  if (format > LINK_FORMAT)
    return fail(`it uses link format ${format}, made by a newer build than this one (format ${LINK_FORMAT})`);
  const packed = fromBase64url(body.slice(dot + 1));
  if (!packed || packed.length === 0) return fail('its data is not base64url (it may have been cut short)');
  let bytes: Uint8Array;
  try {
    bytes = await pipe(packed, new DecompressionStream('deflate-raw'), MAX_UNPACKED_BYTES);
  } catch (e) {
    return fail(
      e instanceof RangeError
        ? `its contents unpack to more than ${MAX_UNPACKED_BYTES >> 20} MiB`
        : 'its data does not unpack (it may have been cut short or changed)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return fail('its contents are not JSON');
  }
  const state = fields(json);
  return typeof state === 'string' ? fail(state) : { ok: true, state };
}
