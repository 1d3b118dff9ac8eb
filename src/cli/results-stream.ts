// The results document of `vgpu-dma-sim run`, written as the run goes: the frame (schema, cases, steps,
// final) by hand, each step and final through the writer, so no case's results are ever held whole. The
// text is what JSON.stringify(results, null, 2) would give (or JSON.stringify(results) when compact).

import { runFileTo, type ResultSink } from '../model/engine/run';
import { RESULTS_SCHEMA, type RunOptions } from '../model/engine/types';
import type { JsonWriter } from './json-writer';

/** Runs the file and writes its results document to w (not flushed); true when the file was refused. */
export function streamResults(doc: unknown, opts: RunOptions, w: JsonWriter): boolean {
  const compact = w.compact;
  const nl = compact ? '' : '\n';
  const key = (pad: string, k: string) => `${nl}${compact ? '' : pad}${JSON.stringify(k)}:${compact ? '' : ' '}`;
  let refused = false;
  let cases = 0;
  let steps = 0;
  w.text(`{${key('  ', 'schema')}${JSON.stringify(RESULTS_SCHEMA)}`);
  const sink: ResultSink = {
    fileError(error) {
      refused = true;
      w.text(`,${key('  ', 'error')}`);
      w.value(error, '  ');
      w.text(`,${key('  ', 'cases')}[]`);
    },
    beginCase(id, kernel) {
      const indent = compact ? '' : '    ';
      w.text(cases++ === 0 ? `,${key('  ', 'cases')}[${nl}${indent}{` : `,${nl}${indent}{`);
      w.text(`${key('      ', 'id')}`);
      w.value(id, '      ');
      w.text(`,${key('      ', 'kernel')}`);
      w.value(kernel, '      ');
      w.text(`,${key('      ', 'steps')}`);
      steps = 0;
    },
    step(s) {
      w.text(steps++ === 0 ? `[${nl}${compact ? '' : '        '}` : `,${nl}${compact ? '' : '        '}`);
      w.value(s, '        ');
    },
    endCase(final, error) {
      w.text(steps === 0 ? '[]' : `${nl}${compact ? '' : '      '}]`);
      w.text(`,${key('      ', 'final')}`);
      w.value(final, '      ');
      if (error !== undefined) {
        w.text(`,${key('      ', 'error')}`);
        w.value(error, '      ');
      }
      w.text(`${nl}${compact ? '' : '    '}}`);
    },
    end(warnings) {
      w.text(cases === 0 ? `,${key('  ', 'cases')}[]` : `${nl}${compact ? '' : '  '}]`);
      if (warnings.length > 0) {
        w.text(`,${key('  ', 'warnings')}`);
        w.value(warnings, '  ');
      }
    },
  };
  runFileTo(doc, opts, sink);
  w.text(`${nl}}\n`);
  return refused;
}
