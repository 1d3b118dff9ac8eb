// JSON straight into a byte buffer that is handed out whenever it fills: the same text as
// JSON.stringify(value, null, 2) (or JSON.stringify(value) when compact), written piece by piece so that
// a 1 TiB guest's 1.5 million result rows are formatted from the model's columns without one object or
// one string each. Bigints (a wrapped locked_vm) print as exact integers.

import { RowList, type ColumnKind } from '../model/engine/rows';

const encoder = new TextEncoder();
const DIGITS = Uint8Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));
const QUOTE = 0x22;
const ZERO = 0x30;
const X = 0x78;
const TRUE = encoder.encode('true');
const FALSE = encoder.encode('false');

export class JsonWriter {
  private readonly buf: Uint8Array;
  private pos = 0;
  private readonly strings = new Map<string, string>();

  constructor(
    /** Receives the bytes buf[0, length) whenever the buffer fills, and at flush(). */
    private readonly out: (buf: Uint8Array, length: number) => void,
    readonly compact = false,
    size = 4 << 20,
  ) {
    this.buf = new Uint8Array(size);
  }

  flush(): void {
    if (this.pos > 0) this.out(this.buf, this.pos);
    this.pos = 0;
  }

  /** Any text, as UTF-8 (at most 3 bytes per UTF-16 unit), encoded natively into the buffer. */
  text(s: string): void {
    const most = s.length * 3;
    if (most <= this.buf.length) {
      if (this.pos + most > this.buf.length) this.flush();
      this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
      return;
    }
    // Longer than the buffer: in pieces that never split a surrogate pair.
    const piece = Math.floor(this.buf.length / 3);
    for (let i = 0; i < s.length;) {
      let j = Math.min(s.length, i + piece);
      if (j < s.length && s.charCodeAt(j - 1) >= 0xd800 && s.charCodeAt(j - 1) < 0xdc00) j--;
      this.text(s.slice(i, j));
      i = j;
    }
  }

  /** A whole JSON document followed by a newline. */
  document(v: unknown): void {
    this.value(v, '');
    this.text('\n');
  }

  /** One value at indentation `pad` (the caller has written what comes before it on its line). */
  value(v: unknown, pad: string): void {
    if (v instanceof RowList) return this.rows(v, pad);
    if (v === null || v === undefined || typeof v === 'function' || typeof v === 'symbol') return this.text('null');
    if (typeof v === 'bigint') return this.text(v.toString());
    if (typeof v === 'number') return this.text(Number.isFinite(v) ? String(v) : 'null');
    if (typeof v === 'boolean') return this.text(v ? 'true' : 'false');
    if (typeof v === 'string') return this.text(this.quoted(v));
    if (Array.isArray(v)) return this.array(v, pad);
    this.object(v as Record<string, unknown>, pad);
  }

  private quoted(s: string): string {
    let q = this.strings.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.strings.size < 4096) this.strings.set(s, q);
    }
    return q;
  }

  private array(v: unknown[], pad: string): void {
    if (v.length === 0) return this.text('[]');
    const inner = pad + '  ';
    this.text(this.compact ? '[' : '[\n' + inner);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) this.text(this.compact ? ',' : ',\n' + inner);
      const x = v[i];
      // JSON.stringify writes null for holes, undefined and functions inside arrays.
      this.value(x === undefined || typeof x === 'function' ? null : x, inner);
    }
    this.text(this.compact ? ']' : '\n' + pad + ']');
  }

  private object(v: Record<string, unknown>, pad: string): void {
    const keys = Object.keys(v).filter((k) => {
      const x = v[k];
      return x !== undefined && typeof x !== 'function' && typeof x !== 'symbol';
    });
    if (keys.length === 0) return this.text('{}');
    const inner = pad + '  ';
    this.text(this.compact ? '{' : '{\n' + inner);
    keys.forEach((k, i) => {
      if (i > 0) this.text(this.compact ? ',' : ',\n' + inner);
      this.text(this.quoted(k) + (this.compact ? ':' : ': '));
      this.value(v[k], inner);
    });
    this.text(this.compact ? '}' : '\n' + pad + '}');
  }

  /**
   * A row list, row by row from its columns: the hot path of a large MAP_DMA (1.5 million rows for a
   * 1 TiB guest). Numbers are written as ASCII digits straight into the buffer, keys and commas as bytes
   * made once: no string per row or cell, and the write position kept in a local.
   */
  private rows(list: RowList, pad: string): void {
    if (list.length === 0) return this.text('[]');
    const inner = pad + '  ';
    const rowPad = inner + '  ';
    const cols = list.columns;
    const between = encoder.encode(this.compact ? ',' : ',\n' + inner);
    // Everything before each cell, precomputed: `{\n    "key": ` before the first, `,\n    "key": ` after.
    const lead = cols.map((c, i) =>
      encoder.encode(
        (i === 0 ? '{' : ',') + (this.compact ? '' : '\n' + rowPad) + this.quoted(c.key) + (this.compact ? ':' : ': '),
      ),
    );
    const close = encoder.encode(this.compact ? '}' : '\n' + inner + '}');
    const kinds = cols.map((c) => c.kind);
    const n = kinds.length;
    const scalar = list.scalar;
    const get = list.columnCells;
    // The most bytes a row of numbers and booleans takes; a longer string cell makes room for itself.
    const most = between.length + lead.reduce((a, b) => a + b.length, 0) + close.length + n * CELL_MOST;
    const leadWords = lead.map(words);
    const betweenWords = words(between);
    const closeWords = words(close);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.text(this.compact ? '[' : '[\n' + inner);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < list.length; i++) {
      if (pos + most > buf.length) {
        this.pos = pos;
        this.flush();
        pos = 0;
      }
      if (i > 0) pos = putWords(dv, buf, pos, betweenWords);
      for (let c = 0; c < n; c++) {
        if (!scalar) pos = putWords(dv, buf, pos, leadWords[c]!);
        const v = get[c]!(i);
        const kind = kinds[c]!;
        if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) {
          if (kind === 'page' || kind === 'hex' || kind === 'word') pos = putHex(buf, pos, v, kind === 'page');
          else if (kind === 'int') pos = putDecimal(buf, pos, v);
          else if (kind === 'bool') pos = put(buf, pos, v === 1 ? TRUE : FALSE);
          else pos = this.textAt(pos, this.cellText(kind, v));
        } else if (kind === 'str') {
          const q = this.quotedBytes(v as string);
          if (pos + q.length + most > buf.length) {
            this.pos = pos;
            this.flush();
            pos = 0;
          }
          if (q.length + most > buf.length) pos = this.textAt(pos, this.quoted(v as string));
          else pos = put(buf, pos, q);
        } else pos = this.textAt(pos, this.cellText(kind, v));
      }
      if (!scalar) pos = putWords(dv, buf, pos, closeWords);
    }
    this.pos = pos;
    this.text(this.compact ? ']' : '\n' + pad + ']');
  }

  /** text() from a local write position; returns the position after it. */
  private textAt(pos: number, t: string): number {
    this.pos = pos;
    this.text(t);
    return this.pos;
  }

  /** A string cell, quoted and encoded once per distinct string (a domain id repeats on every row). */
  private quotedBytes(s: string): Uint8Array {
    let b = this.encoded.get(s);
    if (b === undefined) {
      b = encoder.encode(this.quoted(s));
      if (this.encoded.size < 4096) this.encoded.set(s, b);
    }
    return b;
  }

  private readonly encoded = new Map<string, Uint8Array>();

  private cellText(kind: ColumnKind, v: number | bigint | string): string {
    switch (kind) {
      case 'page':
        return v === 0 ? '"0x0"' : '"0x' + v.toString(16) + '000"';
      case 'hex':
      case 'word':
        return '"0x' + v.toString(16) + '"';
      case 'int':
        return Number.isFinite(v) ? String(v) : 'null';
      case 'bool':
        return v === 1 ? 'true' : 'false';
      case 'str':
        return this.quoted(v as string);
    }
  }
}

/** Bytes a number or boolean cell takes at most: a quote, 0x, 14 hex digits (below 2^53), 000, a quote. */
const CELL_MOST = 24;

/** Copies b into buf at pos (a loop: for the few bytes of a key or a comma it beats TypedArray.set). */
function put(buf: Uint8Array, pos: number, b: Uint8Array): number {
  for (let k = 0; k < b.length; k++) buf[pos++] = b[k]!;
  return pos;
}

/** Constant bytes as 32-bit words: copied four at a time (a key and its indentation is 15–20 bytes). */
interface Words {
  words: Uint32Array;
  tail: Uint8Array;
  length: number;
}

function words(b: Uint8Array): Words {
  const n = b.length >> 2;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    words: Uint32Array.from({ length: n }, (_, k) => dv.getUint32(4 * k, true)),
    tail: b.slice(4 * n),
    length: b.length,
  };
}

function putWords(dv: DataView, buf: Uint8Array, pos: number, w: Words): number {
  const ws = w.words;
  for (let k = 0; k < ws.length; k++, pos += 4) dv.setUint32(pos, ws[k]!, true);
  const t = w.tail;
  for (let k = 0; k < t.length; k++) buf[pos++] = t[k]!;
  return pos;
}

/** "0x…" for a safe non-negative integer; a page number is written as its address (three more zeros). */
function putHex(buf: Uint8Array, pos: number, v: number, page: boolean): number {
  buf[pos++] = QUOTE;
  buf[pos++] = ZERO;
  buf[pos++] = X;
  // The high 21 bits and the low 32, each with 32-bit integer arithmetic.
  const hi = Math.floor(v / 0x100000000);
  if (hi > 0) {
    pos = putHex32(buf, pos, hi, false);
    pos = putHex32(buf, pos, v >>> 0, true);
  } else pos = putHex32(buf, pos, v >>> 0, false);
  if (page && v !== 0) {
    buf[pos++] = ZERO;
    buf[pos++] = ZERO;
    buf[pos++] = ZERO;
  }
  buf[pos++] = QUOTE;
  return pos;
}

/** A 32-bit value in hex: all 8 digits when it follows a high part, else without leading zeros. */
function putHex32(buf: Uint8Array, pos: number, x: number, all: boolean): number {
  const n = all ? 8 : x === 0 ? 1 : (35 - Math.clz32(x)) >> 2;
  for (let k = pos + n - 1; k >= pos; k--) {
    buf[k] = DIGITS[x & 15]!;
    x >>>= 4;
  }
  return pos + n;
}

/** A safe non-negative integer in decimal. */
function putDecimal(buf: Uint8Array, pos: number, v: number): number {
  let n = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
  for (let k = pos + n - 1; k >= pos; k--) {
    const q = Math.floor(v / 10);
    buf[k] = ZERO + v - q * 10;
    v = q;
  }
  return pos + n;
}
