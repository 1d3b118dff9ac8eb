// Reading the input file: at most MAX_INPUT_BYTES (a device such as /dev/zero, or a runaway pipe, is
// refused instead of read forever), then JSON.parse with the file named in the message.

import { closeSync, openSync, readSync } from 'node:fs';
import { sleep } from './fd-write';

/** Far above any real scenario (the largest conformance file is 82 KB). */
export const MAX_INPUT_BYTES = 16 << 20;

export type Input = { ok: true; doc: unknown } | { ok: false; error: string };

export function readFileInput(file: string): Input {
  const name = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    const fd = file === '-' ? 0 : openSync(file, 'r');
    try {
      const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
      let n = 0;
      for (;;) {
        let got: number;
        try {
          got = readSync(fd, buf, n, buf.length - n, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          sleep(5);
          continue;
        }
        if (got === 0) break;
        n += got;
        if (n > MAX_INPUT_BYTES) return { ok: false, error: `${name} is larger than ${MAX_INPUT_BYTES >> 20} MiB` };
      }
      text = buf.toString('utf8', 0, n);
    } finally {
      if (fd !== 0) closeSync(fd);
    }
  } catch (e) {
    return { ok: false, error: `cannot read ${name}: ${(e as Error).message}` };
  }
  try {
    return { ok: true, doc: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: `${name} is not JSON: ${(e as Error).message}` };
  }
}
