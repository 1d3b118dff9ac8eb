// How the views write numbers: addresses as hex, sizes in binary units, counts with separators.

export function hexPage(page: number): string {
  return '0x' + (BigInt(Math.round(page)) << 12n).toString(16);
}

export function hexNum(v: number): string {
  return '0x' + Math.round(v).toString(16);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

// Formatters made once: toLocaleString builds a new one on every call (tens of microseconds), and a
// view labels hundreds of nodes per step.
const TWO_DIGITS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const ONE_DIGIT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const WHOLE = new Intl.NumberFormat('en-US');

/** A size in pages as bytes with a binary unit: 512 pages is "2 MiB". */
export function pagesSize(pages: number): string {
  let v = pages * 4096;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${(v < 10 ? TWO_DIGITS : ONE_DIGIT).format(v)} ${UNITS[u]}`;
}

export function count(n: number): string {
  return WHOLE.format(n);
}
