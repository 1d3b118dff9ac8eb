import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { writeAll } from './fd-write';

test.prop([
  fc.uint8Array({ minLength: 1, maxLength: 5000 }),
  fc
    .array(fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constant(-1)), { minLength: 1, maxLength: 12 })
    .filter((s) => s.some((x) => x > 0)),
])('delivers every byte in order through partial writes and EAGAIN', (bytes, script) => {
  const got: number[] = [];
  let call = 0;
  writeAll(1, bytes, bytes.length, (_fd, buf, offset, length) => {
    const step = script[call++ % script.length]!;
    if (step < 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    const n = Math.min(length, step);
    for (let i = 0; i < n; i++) got.push(buf[offset + i]!);
    // A write that takes nothing twice in a row would be a closed pipe, which throws instead.
    if (n === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    return n;
  });
  expect(Uint8Array.from(got)).toEqual(bytes);
});

test('passes other errors (EPIPE) to the caller', () => {
  expect(() =>
    writeAll(1, new Uint8Array(10), 10, () => {
      throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
    }),
  ).toThrow('EPIPE');
});
