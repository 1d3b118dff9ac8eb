// JSON straight into a byte buffer that is handed out whenever it fills: the same text as
// JSON.stringify(value, null, 2) (or JSON.stringify(value) when compact), written piece by piece so that
// a 1 TiB guest's 1.5 million result rows are formatted from the model's columns without one object or
// one string each. Bigints (a wrapped locked_vm) print as exact integers.

import { RowList, type ColumnKind } from '../model/engine/rows';

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
   * A row list, row by row from its columns: the hot path of a large MAP_DMA. Rows are built as strings in
   * batches (V8 joins and formats them natively) and encoded into the buffer with TextEncoder.encodeInto.
   */
  private rows(list: RowList, pad: string): void {
    if (list.length === 0) return this.text('[]');
    const inner = pad + '  ';
    const rowPad = inner + '  ';
    const between = this.compact ? ',' : ',\n' + inner;
    const cols = list.columns;
    // Everything before each cell, precomputed: `{\n    "key": ` before the first, `,\n    "key": ` after.
    const lead = cols.map(
      (c, i) =>
        (i === 0 ? '{' : ',') + (this.compact ? '' : '\n' + rowPad) + this.quoted(c.key) + (this.compact ? ':' : ': '),
    );
    const close = this.compact ? '}' : '\n' + inner + '}';
    const kinds = cols.map((c) => c.kind);
    const scalar = list.scalar;
    this.text(this.compact ? '[' : '[\n' + inner);
    let batch = '';
    for (let i = 0; i < list.length; i++) {
      let row = i > 0 ? between : '';
      if (scalar) row += this.cellText(kinds[0]!, list.cell(i, 0));
      else {
        for (let c = 0; c < kinds.length; c++) row += lead[c]! + this.cellText(kinds[c]!, list.cell(i, c));
        row += close;
      }
      batch += row;
      if (batch.length >= 1 << 16) {
        this.text(batch);
        batch = '';
      }
    }
    this.text(batch);
    this.text(this.compact ? ']' : '\n' + pad + ']');
  }

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
