// vgpu-dma-sim: the headless runner (case-format.md §5) on the same engine the browser uses. Every byte it
// prints goes out through writeAll, so a slow or non-blocking pipe gets the whole document; a reader
// that stops early (`| head`) ends the run quietly. Exit status: 0 ran (check: all passed), 1 a case
// failed (check only), 2 the input or the command line was refused, or an internal error.

import { readFileInput } from './input';
import { writeAll, writeText } from './fd-write';
import { JsonWriter } from './json-writer';
import { streamResults } from './results-stream';
import { parseArgs, type Cli } from './args';
import { compareTable } from './compare-table';
import { checkFile } from '../model/engine/check';
import { compareFile } from '../model/engine/compare';
import { caseJsonSchema } from '../model/engine/json-schema';
import { RESULTS_SCHEMA } from '../model/engine/types';

const STDOUT = 1;
const STDERR = 2;

function writer(cli: Cli): JsonWriter {
  return new JsonWriter((buf, len) => writeAll(STDOUT, buf, len), cli.compact);
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return s === undefined ? 'absent' : s.length > 200 ? s.slice(0, 200) + '…' : s;
}

/** `run`: the results document, streamed case by case and step by step. */
function run(cli: Cli, doc: unknown): number {
  const w = writer(cli);
  const refused = streamResults(doc, cli.opts, w);
  w.flush();
  return refused ? 2 : 0;
}

function check(cli: Cli, doc: unknown): number {
  const report = checkFile(doc, cli.opts);
  if (report.error !== undefined) {
    if (cli.json) {
      const w = writer(cli);
      w.document({ error: report.error, cases: [] });
      w.flush();
    } else writeText(STDERR, `${report.error}\n`);
    return 2;
  }
  if (cli.json) {
    const w = writer(cli);
    w.document({ passed: report.passed, failed: report.failed, verdicts: report.verdicts });
    w.flush();
  } else {
    for (const warning of report.warnings) writeText(STDERR, `warning: ${warning}\n`);
    let text = '';
    for (const v of report.verdicts) {
      if (v.passed) continue;
      text += `FAIL ${v.id} (kernel ${v.kernel})\n`;
      if (v.error) text += `  error: ${v.error}\n`;
      for (const m of v.mismatches) text += `  ${m.path}: expected ${show(m.expected)}, actual ${show(m.actual)}\n`;
    }
    writeText(STDOUT, `${text}${report.passed} passed, ${report.failed} failed\n`);
  }
  return report.failed > 0 ? 1 : 0;
}

function compare(cli: Cli, doc: unknown): number {
  const r = compareFile(doc, cli.opts);
  if (r.error) {
    writeText(STDERR, `${r.error}\n`);
    return 2;
  }
  if (cli.json) {
    const w = writer(cli);
    w.document(r.rows);
    w.flush();
  } else writeText(STDOUT, compareTable(r.rows));
  return 0;
}

function main(argv: string[]): number {
  const cli = parseArgs(argv);
  if (typeof cli === 'string') {
    writeText(STDERR, cli + '\n');
    return 2;
  }
  if (cli.cmd === 'schema') {
    const w = writer(cli);
    w.document(caseJsonSchema());
    w.flush();
    return 0;
  }
  const input = readFileInput(cli.file!);
  if (!input.ok) {
    if (cli.cmd === 'run' || (cli.cmd === 'check' && cli.json)) {
      const w = writer(cli);
      w.document(
        cli.cmd === 'run'
          ? { schema: RESULTS_SCHEMA, error: input.error, cases: [] }
          : { error: input.error, cases: [] },
      );
      w.flush();
    } else writeText(STDERR, input.error + '\n');
    return 2;
  }
  if (cli.cmd === 'run') return run(cli, input.doc);
  if (cli.cmd === 'check') return check(cli, input.doc);
  return compare(cli, input.doc);
}

function exit(code: number): never {
  process.exit(code);
}

try {
  exit(main(process.argv.slice(2)));
} catch (e) {
  // The reader went away (`| head`): what it did not read, it did not want.
  if ((e as NodeJS.ErrnoException).code === 'EPIPE') exit(0);
  try {
    writeText(STDERR, `vgpu-dma-sim: internal error: ${(e as Error).message ?? String(e)}\n`);
  } catch {
    // stderr is gone too; the exit status still says it.
  }
  exit(2);
}
