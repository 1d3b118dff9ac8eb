// Writes a large JSON document in pieces: a 1 TiB guest's MAP_DMA lists half a million pin chunks, more
// than one JavaScript string can hold. Same text as JSON.stringify(value, null, 2).

import { writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

export function writeJson(fd: number, value: unknown): void {
  let buf = '';
  const emit = (s: string) => {
    buf += s;
    if (buf.length >= FLUSH_AT) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  const walk = (v: unknown, pad: string) => {
    if (v === null || typeof v !== 'object') {
      emit(JSON.stringify(v) ?? 'null');
      return;
    }
    const inner = pad + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) return emit('[]');
      emit('[\n');
      v.forEach((x, i) => {
        emit(inner);
        walk(x, inner);
        emit(i < v.length - 1 ? ',\n' : '\n');
      });
      return emit(pad + ']');
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return emit('{}');
    emit('{\n');
    entries.forEach(([k, x], i) => {
      emit(`${inner}${JSON.stringify(k)}: `);
      walk(x, inner);
      emit(i < entries.length - 1 ? ',\n' : '\n');
    });
    emit(pad + '}');
  };
  walk(value, '');
  emit('\n');
  writeSync(fd, buf);
}
