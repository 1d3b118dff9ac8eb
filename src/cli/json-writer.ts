// JSON straight into a byte buffer that is handed out whenever it fills: the same text as
// JSON.stringify(value, null, 2) (or JSON.stringify(value) when compact), written piece by piece so that
// a 1 TiB guest's 1.5 million result rows are formatted from the model's columns without one object or
// one string each. Bigints (a wrapped locked_vm) print as exact integers.

import { RowList, type ColumnKind, type RowColumn } from '../model/engine/rows';

const HEX = new TextEncoder().encode('0123456789abcdef');
const QUOTE = 0x22;
const encoder = new TextEncoder();

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

  /** Room for n more bytes (n ≤ the buffer's size). */
  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  /** Any text, as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.room(Math.min(n, 1024));
    let i = 0;
    // ASCII goes byte by byte; the first other character sends the rest through the encoder.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      if (this.pos === this.buf.length) this.flush();
      this.buf[this.pos++] = c;
    }
    if (i < n) {
      const rest = encoder.encode(s.slice(i));
      this.flush();
      this.out(rest, rest.length);
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

  private readonly encoded = new Map<string, Uint8Array>();

  /** A short string cell (a domain id) as its quoted UTF-8 bytes, encoded once. */
  private encodedString(s: string): Uint8Array {
    let b = this.encoded.get(s);
    if (b === undefined) {
      b = encoder.encode(this.quoted(s));
      if (this.encoded.size < 4096) this.encoded.set(s, b);
    }
    return b;
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

  /** A row list, row by row from its columns: the hot path of a large MAP_DMA. */
  private rows(list: RowList, pad: string): void {
    if (list.length === 0) return this.text('[]');
    const inner = pad + '  ';
    const rowPad = inner + '  ';
    const between = this.compact ? ',' : ',\n' + inner;
    const cols = list.columns;
    const scalar = list.scalar;
    // Everything between two cells, precomputed: `{\n    "key": ` before the first, `,\n    "key": ` after.
    const lead = cols.map((c: RowColumn, i) =>
      encoder.encode(
        (i === 0 ? '{' : ',') + (this.compact ? '' : '\n' + rowPad) + this.quoted(c.key) + (this.compact ? ':' : ': '),
      ),
    );
    const close = encoder.encode(this.compact ? '}' : '\n' + inner + '}');
    const betweenBytes = encoder.encode(between);
    const kinds = cols.map((c) => c.kind);
    // Cells are at most 24 bytes ("0x" + 13 digits + "000" in quotes); words and strings make their own room.
    const rowBytes = lead.reduce((a, b) => a + b.length, 0) + close.length + betweenBytes.length + 24 * cols.length;
    this.text(this.compact ? '[' : '[\n' + inner);
    for (let i = 0; i < list.length; i++) {
      this.room(rowBytes);
      if (i > 0) this.bytes(betweenBytes);
      if (scalar) {
        this.cell(kinds[0]!, list.cell(i, 0));
        continue;
      }
      for (let c = 0; c < kinds.length; c++) {
        this.bytes(lead[c]!);
        this.cell(kinds[c]!, list.cell(i, c));
      }
      this.bytes(close);
    }
    this.text(this.compact ? ']' : '\n' + pad + ']');
  }

  /** A short run of bytes: a loop beats TypedArray#set below a few dozen bytes. */
  private bytes(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  private cell(kind: ColumnKind, v: number | bigint | string): void {
    const buf = this.buf;
    switch (kind) {
      case 'page':
        buf[this.pos++] = QUOTE;
        this.hex(v as number);
        if (v !== 0) {
          buf[this.pos++] = 0x30;
          buf[this.pos++] = 0x30;
          buf[this.pos++] = 0x30;
        }
        buf[this.pos++] = QUOTE;
        return;
      case 'hex':
        buf[this.pos++] = QUOTE;
        this.hex(v as number);
        buf[this.pos++] = QUOTE;
        return;
      case 'word':
        this.text(`"0x${(v as bigint).toString(16)}"`);
        return;
      case 'int':
        this.int(v as number);
        return;
      case 'bool':
        this.text(v === 1 ? 'true' : 'false');
        return;
      case 'str': {
        const b = this.encodedString(v as string);
        this.room(b.length);
        this.bytes(b);
        return;
      }
    }
  }

  /** "0x" and the hex digits of a whole number below 2^53, without leading zeros. */
  private hex(v: number): void {
    const buf = this.buf;
    buf[this.pos++] = 0x30;
    buf[this.pos++] = 0x78;
    const hi = Math.floor(v / 4294967296);
    const lo = v - hi * 4294967296;
    let started = false;
    if (hi > 0) {
      for (let s = 20; s >= 0; s -= 4) {
        const d = (hi >>> s) & 15;
        if (d !== 0 || started) {
          buf[this.pos++] = HEX[d]!;
          started = true;
        }
      }
    }
    for (let s = 28; s >= 0; s -= 4) {
      const d = (lo >>> s) & 15;
      if (d !== 0 || started || s === 0) {
        buf[this.pos++] = HEX[d]!;
        started = true;
      }
    }
  }

  private int(v: number): void {
    if (!(v >= 0 && v < 2147483648 && Number.isInteger(v))) return this.text(String(v));
    if (v === 0) {
      this.buf[this.pos++] = 0x30;
      return;
    }
    let digits = 0;
    for (let x = v; x > 0; x = (x / 10) | 0) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let x = v; x > 0; x = (x / 10) | 0) this.buf[--p] = 0x30 + (x % 10);
  }
}
