// vgpu-dma-sim: the headless runner (case-format.md §5) on the same engine the browser uses.

import { readFileSync } from 'node:fs';
import { checkFile } from '../model/engine/check';
import { compareFile } from '../model/engine/compare';
import { compareTable } from './compare-table';
import { caseJsonSchema } from '../model/engine/json-schema';
import { writeJson } from './json-out';
import { listLimit } from '../model/engine/outputs';
import { runFile } from '../model/engine/run';
import { RESULTS_SCHEMA, type RunOptions } from '../model/engine/types';

const USAGE = `usage:
  vgpu-dma-sim run FILE.json   [--case ID] [--kernel X.Y] [--strict] [--budget N]
  vgpu-dma-sim check FILE.json [--case ID] [--kernel X.Y] [--json] [--strict] [--budget N]
  vgpu-dma-sim compare FILE.json [--json]   every vGPU vendor model on the same scenario, costs side by side
  vgpu-dma-sim schema          print the JSON Schema of the case/scenario format`;

interface Cli {
  cmd: string;
  file: string | undefined;
  opts: RunOptions;
  json: boolean;
}

function parseArgs(argv: string[]): Cli | string {
  const [cmd, ...rest] = argv;
  if (!cmd || !['run', 'check', 'compare', 'schema'].includes(cmd)) return USAGE;
  const opts: RunOptions = {};
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--case') opts.caseId = value();
    else if (a === '--kernel') opts.kernel = value();
    else if (a === '--strict') opts.strict = true;
    else if (a === '--json') json = true;
    else if (a === '--budget') opts.stepBudget = Number(value());
    else if (a.startsWith('--')) return `unknown option ${a}\n${USAGE}`;
    else if (file === undefined) file = a;
    else return `unexpected argument ${a}\n${USAGE}`;
  }
  if (cmd !== 'schema' && !file) return `${cmd} needs a FILE\n${USAGE}`;
  return { cmd, file, opts, json };
}

function readDoc(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileError(`${file} is not JSON: ${(e as Error).message}`);
  }
}

class FileError extends Error {}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'absent' : s.length > 200 ? s.slice(0, 200) + '…' : s;
}

function main(argv: string[]): number {
  let cli: Cli | string;
  try {
    cli = parseArgs(argv);
  } catch (e) {
    cli = `${(e as Error).message}\n${USAGE}`;
  }
  if (typeof cli === 'string') {
    process.stderr.write(cli + '\n');
    return 2;
  }
  if (cli.cmd === 'schema') {
    process.stdout.write(JSON.stringify(caseJsonSchema(), null, 2) + '\n');
    return 0;
  }
  let doc: unknown;
  try {
    doc = readDoc(cli.file!);
  } catch (e) {
    const error = (e as Error).message;
    if (cli.cmd === 'run' || cli.json)
      process.stdout.write(JSON.stringify({ schema: RESULTS_SCHEMA, error, cases: [] }, null, 2) + '\n');
    else process.stderr.write(error + '\n');
    return 2;
  }
  listLimit.value = Infinity;
  if (cli.cmd === 'compare') {
    const r = compareFile(doc, cli.opts);
    if (r.error) {
      process.stderr.write(r.error + '\n');
      return 2;
    }
    if (cli.json) process.stdout.write(JSON.stringify(r.rows, null, 2) + '\n');
    else process.stdout.write(compareTable(r.rows));
    return 0;
  }
  if (cli.cmd === 'run') {
    const results = runFile(doc, cli.opts);
    writeJson(1, results);
    return results.error ? 2 : 0;
  }
  const report = checkFile(doc, cli.opts);
  if (report.results.error) {
    if (cli.json) process.stdout.write(JSON.stringify({ error: report.results.error, cases: [] }, null, 2) + '\n');
    else process.stderr.write(`${report.results.error}\n`);
    return 2;
  }
  if (cli.json) {
    process.stdout.write(
      JSON.stringify({ passed: report.passed, failed: report.failed, verdicts: report.verdicts }, null, 2) + '\n',
    );
  } else {
    for (const w of report.results.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
    for (const v of report.verdicts) {
      if (v.passed) continue;
      process.stdout.write(`FAIL ${v.id} (kernel ${v.kernel})\n`);
      if (v.error) process.stdout.write(`  error: ${v.error}\n`);
      for (const m of v.mismatches)
        process.stdout.write(`  ${m.path}: expected ${show(m.expected)}, actual ${show(m.actual)}\n`);
    }
    process.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
  }
  return report.failed > 0 ? 1 : 0;
}

// A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = main(process.argv.slice(2));
