// The command line of vgpu-dma-sim: a command, a file and options, each checked (a budget that is not a
// positive whole number is refused, not silently turned off).

import type { RunOptions } from '../model/engine/types';

export const USAGE = `usage:
  vgpu-dma-sim run FILE.json     [--case ID] [--kernel X.Y] [--strict] [--budget N] [--run-budget N] [--compact]
  vgpu-dma-sim check FILE.json   [--case ID] [--kernel X.Y] [--json] [--strict] [--budget N] [--run-budget N] [--compact]
  vgpu-dma-sim compare FILE.json [--json] [--budget N] [--run-budget N] [--compact]
                                 every vGPU vendor model on the same scenario, costs side by side
  vgpu-dma-sim schema            print the JSON Schema of the case/scenario format
FILE may be - for standard input. --compact prints JSON on one line.`;

export interface Cli {
  cmd: 'run' | 'check' | 'compare' | 'schema';
  file: string | undefined;
  opts: RunOptions;
  json: boolean;
  compact: boolean;
}

const COMMANDS = ['run', 'check', 'compare', 'schema'] as const;

function wholeNumber(flag: string, v: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new Error(`${flag} needs a positive whole number, not "${v}"`);
  return Number(v);
}

/** The parsed command line, or the message to print (with the usage) and exit 2 on. */
export function parseArgs(argv: string[]): Cli | string {
  const [cmd, ...rest] = argv;
  if (!cmd || !(COMMANDS as readonly string[]).includes(cmd)) return USAGE;
  const cli: Cli = { cmd: cmd as Cli['cmd'], file: undefined, opts: {}, json: false, compact: false };
  try {
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const value = () => {
        const v = rest[++i];
        if (v === undefined) throw new Error(`${a} needs a value`);
        return v;
      };
      if (a === '--case') cli.opts.caseId = value();
      else if (a === '--kernel') cli.opts.kernel = value();
      else if (a === '--strict') cli.opts.strict = true;
      else if (a === '--json') cli.json = true;
      else if (a === '--compact') cli.compact = true;
      else if (a === '--budget') cli.opts.stepBudget = wholeNumber(a, value());
      else if (a === '--run-budget') cli.opts.runBudget = wholeNumber(a, value());
      else if (a.startsWith('--')) return `unknown option ${a}\n${USAGE}`;
      else if (cli.file === undefined) cli.file = a;
      else return `unexpected argument ${a}\n${USAGE}`;
    }
  } catch (e) {
    return `${(e as Error).message}\n${USAGE}`;
  }
  if (cli.cmd !== 'schema' && cli.file === undefined) return `${cmd} needs a FILE\n${USAGE}`;
  return cli;
}
