// Writing bytes to a file descriptor until every byte is out. A pipe whose other end reads slowly takes
// part of a write, and a pipe another process made non-blocking refuses with EAGAIN; fs.writeSync
// reports both, and both must be retried, or the reader gets a cut document while we exit 0.

import { writeSync } from 'node:fs';

type Write = (fd: number, buf: Uint8Array, offset: number, length: number) => number;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the thread (the CLI has nothing else to do while the other end catches up). */
export function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** Writes all of bytes[0, length) to fd; EPIPE and other errors are thrown to the caller. */
export function writeAll(fd: number, bytes: Uint8Array, length = bytes.length, write: Write = writeSync): void {
  let off = 0;
  let wait = 1;
  while (off < length) {
    try {
      off += write(fd, bytes, off, length - off);
      wait = 1;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleep(wait);
      wait = Math.min(wait * 2, 50);
    }
  }
}

const encoder = new TextEncoder();

/** A whole string to fd as UTF-8. */
export function writeText(fd: number, text: string): void {
  writeAll(fd, encoder.encode(text));
}
