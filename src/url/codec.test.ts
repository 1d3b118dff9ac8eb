import { fc, test } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MODEL_VERSION } from '../model/version';
import { decodeLink, encodeLink, LINK_FORMAT, MAX_UNPACKED_BYTES, type LinkState } from './codec';

const preset = (f: string): unknown => JSON.parse(readFileSync(`public/scenarios/${f}`, 'utf8'));
const raw = (v: unknown, format = LINK_FORMAT) =>
  `#s=${format}.` + deflateRawSync(Buffer.from(JSON.stringify(v))).toString('base64url');

const space = fc.constantFrom('gpa', 'hva', 'iova', 'hpa', 'dma' as const);
const state = fc.record({
  doc: fc.oneof(
    fc.constant(preset('vtd-basics.json')),
    fc.dictionary(fc.string(), fc.jsonValue()).map((d) => ({ ...d, schema: 'vfio-type1-conformance/1' })),
  ),
  caseId: fc.option(fc.string({ maxLength: 200 })),
  step: fc.nat({ max: 1e9 }),
  selection: fc.option(fc.record({ space, lo: fc.nat(), pages: fc.nat(), label: fc.string({ maxLength: 200 }) })),
  follow: fc.option(
    fc.record({ space, addr: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((a) => '0x' + a.toString(16)) }),
  ),
  tab: fc.constantFrom('map', 'compare' as const),
  kernel: fc.option(fc.constantFrom('4.10', '5.19', '6.18')),
  model: fc.constant(MODEL_VERSION),
});

describe('share links', () => {
  test.prop([state], { numRuns: 60 })('decode(encode(state)) is the state', async (s) => {
    const link = await encodeLink(s as LinkState);
    expect(link.startsWith(`#s=${LINK_FORMAT}.`)).toBe(true);
    expect(/^#s=\d+\.[A-Za-z0-9_-]+$/.test(link)).toBe(true);
    const back = await decodeLink(link);
    expect(back).toEqual({ ok: true, state: JSON.parse(JSON.stringify(s)) });
  });

  it('one document linked at two steps: each link holds the whole text of its state', async () => {
    const doc = preset('vtd-basics.json');
    for (const step of [3, 7]) {
      const s: LinkState = {
        doc,
        caseId: null,
        step,
        selection: null,
        follow: null,
        tab: 'map',
        kernel: null,
        model: MODEL_VERSION,
      };
      const link = await encodeLink(s);
      const text = inflateRawSync(Buffer.from(link.slice(link.indexOf('.') + 1), 'base64url')).toString();
      expect(text).toBe(JSON.stringify({ doc, step, tab: 'map', model: MODEL_VERSION }));
    }
  });

  it('a preset with its step and selection fits a short link', async () => {
    const link = await encodeLink({
      doc: preset('vtd-basics.json'),
      caseId: null,
      step: 2,
      selection: { space: 'iova', lo: 0x40000, pages: 0x40000, label: 'vfio_dma at iova 0x40000000' },
      follow: { space: 'iova', addr: '0x40123456' },
      tab: 'map',
      kernel: '6.15',
      model: MODEL_VERSION,
    });
    expect(link.length).toBeLessThan(2000);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['another fragment', '#top', /not a vgpu-dma-viz link/],
    ['no format', '#s=abc', /which link format/],
    ['a newer format', raw({}, LINK_FORMAT + 1), /newer build/],
    ['format zero', raw({}, 0), /which link format/],
    ['not base64url', '#s=1.ab$cd', /not base64url/],
    ['empty data', '#s=1.', /not base64url/],
    ['not deflate', '#s=1.' + Buffer.from('hello world, not deflate').toString('base64url'), /does not unpack/],
    ['not JSON', '#s=1.' + deflateRawSync(Buffer.from('{nope')).toString('base64url'), /not JSON/],
    ['no scenario', raw({ step: 1, model: MODEL_VERSION }), /holds no scenario/],
    ['a negative step', raw({ doc: {}, step: -1, model: MODEL_VERSION }), /"step"/],
    ['a step of 1e300', raw({ doc: {}, step: 1e300, model: MODEL_VERSION }), /"step"/],
    ['a bad space', raw({ doc: {}, step: 0, sel: { space: 'x', lo: 0, pages: 1, label: '' }, model: '1' }), /"sel"/],
    [
      'script as an address',
      raw({ doc: {}, step: 0, follow: { space: 'iova', addr: '<script>' }, model: '1' }),
      /"follow"/,
    ],
    ['an unknown tab', raw({ doc: {}, step: 0, tab: 'admin', model: '1' }), /"tab"/],
    ['a kernel that is not a version', raw({ doc: {}, step: 0, kernel: '6.Infinity', model: '1' }), /"kernel"/],
    ['no model version', raw({ doc: {}, step: 0 }), /"model"/],
    ['an array', raw([1, 2]), /not an object/],
    ['too long', '#s=1.' + 'A'.repeat(1 << 20), /longer than/],
  ];
  it.each(bad)('%s: a one-line message', async (_, hash, message) => {
    const r = await decodeLink(hash);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
    }
  });

  it('a cut-short link says so', async () => {
    const link = await encodeLink({
      doc: preset('hot-unplug.json'),
      caseId: null,
      step: 1,
      selection: null,
      follow: null,
      tab: 'map',
      kernel: null,
      model: MODEL_VERSION,
    });
    for (const cut of [10, 40, link.length >> 1, link.length - 3]) {
      const r = await decodeLink(link.slice(0, cut));
      expect(r.ok, `cut at ${cut}`).toBe(false);
    }
  });

  it('a decompression bomb stops at the cap', async () => {
    // 64 MiB of spaces inside a JSON string packs to about 64 KB.
    const bomb = Buffer.concat([Buffer.from('{"doc":"'), Buffer.alloc(64 << 20, 0x20), Buffer.from('"}')]);
    const hash = '#s=1.' + deflateRawSync(bomb, { level: 9 }).toString('base64url');
    expect(hash.length).toBeLessThan(200_000);
    const r = await decodeLink(hash);
    expect(r).toEqual({ ok: false, error: `its contents unpack to more than ${MAX_UNPACKED_BYTES >> 20} MiB` });
  });

  test.prop([fc.string({ maxLength: 300 }).map((s) => '#s=' + s)], { numRuns: 200 })(
    'any text after #s= gives a result or a message, never a throw',
    async (hash) => {
      const r = await decodeLink(hash);
      if (!r.ok) expect(typeof r.error).toBe('string');
    },
  );

  // Links people have sent stay links: the ones frozen here were written by format 1 on the day it shipped
  // and must decode to exactly what they held, whatever this build writes now. A new format adds its own
  // frozen file and a migration that turns each older file's links into the same state.
  it.each(
    (
      JSON.parse(readFileSync('src/url/links-v1.json', 'utf8')) as {
        links: Array<{ why: string; link: string; state: LinkState }>;
      }
    ).links,
  )('a format-1 link still opens: $why', async ({ link, state }) => {
    expect(link.startsWith('#s=1.')).toBe(true);
    expect(await decodeLink(link)).toEqual({ ok: true, state });
  });
});
