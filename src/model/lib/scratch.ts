// Float64Arrays reused for the buffers that grow while a state is read or compared (builders, a sweep's
// temporaries), so that reading the next state takes memory the last one gave back. Fresh typed-array
// memory is what reading a state costs most in a browser: Chromium hands each new ArrayBuffer fresh
// zeroed pages, and measured on our 2-vCPU CI VM a new 128 KiB Float64Array costs ~0.4 ms in a worker
// against ~0.03 ms in Node; a jump among 10,000 mappings made ~5 MB of them. No kernel analogue.

/** Free arrays, shortest first. */
const free: Float64Array[] = [];
let freeBytes = 0;
/** What the free list may hold: the big tables of a 1 TiB guest's state (half a million runs) and its sweeps. */
const LIMIT_BYTES = 64 << 20;
/** Arrays smaller than this cost little to make and are not kept. */
const MIN_BYTES = 8 << 10;

/** Arrays of 1,024 elements and more are made at lengths 1,024 · 2^(k/2): needs within √2 share one. */
function sizeClass(n: number): number {
  if (n <= 1024) return n;
  return Math.max(n, Math.ceil(1024 * 2 ** (Math.ceil(2 * Math.log2(n / 1024)) / 2)));
}

/**
 * A Float64Array of at least n elements, taken from the free list when one fits (not longer than
 * `longest`: up to twice its size class for a buffer that grows), else new at its size class. Its contents
 * are whatever they were: the caller writes before it reads.
 */
export function takeF64(n: number, longest = 2 * sizeClass(n)): Float64Array {
  for (let i = 0; i < free.length; i++) {
    const a = free[i]!;
    if (a.length < n) continue;
    if (a.length > longest) break;
    free.splice(i, 1);
    freeBytes -= a.byteLength;
    return a;
  }
  return new Float64Array(sizeClass(n));
}

/**
 * The first n elements of a, in an array of their own that is kept (a table's column), as a view of the
 * first n elements of one at most its size class long (under √2 times n).
 */
export function keptCopy(a: Float64Array, n = a.length): Float64Array {
  const out = keptArray(n);
  out.set(a.subarray(0, n));
  return out;
}

/** n elements to be kept, as keptCopy places them; their contents are whatever they were. */
export function keptArray(n: number): Float64Array {
  return takeF64(n, sizeClass(n)).subarray(0, n);
}

/** Gives back an array from takeF64 that nothing refers to any more (its contents were copied out). */
export function giveF64(a: Float64Array): void {
  if (a.byteLength < MIN_BYTES || a.byteLength !== a.buffer.byteLength) return;
  // Given twice, one array would be handed to two builders.
  if (freeBytes + a.byteLength > LIMIT_BYTES || free.includes(a)) return;
  let i = free.length;
  while (i > 0 && free[i - 1]!.length > a.length) i--;
  free.splice(i, 0, a);
  freeBytes += a.byteLength;
}

/** Gives back the whole array a view from the start of one (keptArray, a subarray of takeF64) lies on. */
export function giveUnder(a: Float64Array): void {
  if (a.byteOffset === 0) giveF64(new Float64Array(a.buffer));
}

/** Bytes held by the free list (tests). */
export function scratchBytes(): number {
  return freeBytes;
}
