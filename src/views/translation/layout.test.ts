import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../../worker/session';
import { BAND_GAP, MAX_BAND_GAP, lanes, totalHeight } from './layout';

const preset = (file: string) => {
  const s = new Session();
  s.load(JSON.parse(readFileSync(`public/scenarios/${file}`, 'utf8')));
  return s.state(1).state;
};

/** The heights of the bands between consecutive lanes that are not page-table rows under the iova lane. */
const bands = (ls: ReturnType<typeof lanes>) =>
  ls.slice(1).flatMap((l, i) => (l.level ? [] : [l.top - ls[i]!.top - ls[i]!.height]));

describe('lanes', () => {
  const state = preset('vtd-basics.json');
  const natural = totalHeight(lanes(state));

  it('keep their natural bands when the panel has no room to spare', () => {
    for (const room of [0, natural - 50, natural])
      expect(bands(lanes(state, room)).every((b) => b === BAND_GAP)).toBe(true);
    expect(totalHeight(lanes(state, natural - 50))).toBe(natural);
  });

  it('share the room left over between the bands, filling the panel', () => {
    const ls = lanes(state, natural + 101);
    const b = bands(ls);
    expect(b.length).toBe(2);
    expect(new Set(b).size).toBe(1);
    expect(b[0]).toBe(BAND_GAP + 50);
    expect(totalHeight(ls)).toBe(natural + 100);
    // Lanes keep their heights and order.
    expect(ls.map((l) => [l.id, l.height])).toEqual(lanes(state).map((l) => [l.id, l.height]));
  });

  it('stop growing the bands at MAX_BAND_GAP in a very tall panel', () => {
    expect(bands(lanes(state, 5000))).toEqual([MAX_BAND_GAP, MAX_BAND_GAP]);
  });

  it('count every band of a scenario with guest memory and a GPU lane', () => {
    const vgpu = preset('vgpu-2m.json');
    const n = totalHeight(lanes(vgpu));
    const b = bands(lanes(vgpu, n + 120));
    expect(vgpu.gpu).toBeTruthy();
    expect(b.length).toBe(4);
    expect(b.every((x) => x === BAND_GAP + Math.floor(120 / b.length))).toBe(true);
  });
});
