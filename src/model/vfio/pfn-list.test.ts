import { asHostPfn, asIovaPfn } from '../addr';
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { VfioPfn } from './pfn-list';
import { PfnList } from './pfn-list';

const key = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 52 - 1 }), fc.constant(2 ** 32));

test.prop([fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), key), { maxLength: 400 })])(
  'answers as a Map keyed by iova page: get, set, delete, size and the values walked',
  (ops) => {
    const list = new PfnList();
    const ref = new Map<number, VfioPfn>();
    for (const [op, k] of ops) {
      if (op === 'set') {
        const v = { iovaPfn: asIovaPfn(k), pfn: asHostPfn(k + 1), refCount: 1, reserved: false };
        list.set(k, v);
        ref.set(k, v);
      } else if (op === 'delete') expect(list.delete(k)).toBe(ref.delete(k));
      expect(list.get(k)).toBe(ref.get(k));
      expect(list.size).toBe(ref.size);
    }
    const byPage = (a: VfioPfn, b: VfioPfn) => a.iovaPfn - b.iovaPfn;
    expect([...list.values()].sort(byPage)).toEqual([...ref.values()].sort(byPage));
  },
);
