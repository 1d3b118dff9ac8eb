// How the views write numbers: addresses as hex, sizes in binary units, counts with separators.

export function hexPage(page: number): string {
  return '0x' + (BigInt(Math.round(page)) << 12n).toString(16);
}

export function hexNum(v: number): string {
  return '0x' + Math.round(v).toString(16);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A size in pages as bytes with a binary unit: 512 pages is "2 MiB". */
export function pagesSize(pages: number): string {
  let v = pages * 4096;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 2 : 1 })} ${UNITS[u]}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
