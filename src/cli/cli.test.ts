// vgpu-dma-sim as users run it: a child process whose output goes into a pipe that a slow program reads,
// into a file, or into a reader that stops early.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundle } from '../testing/cli-bundle';

let cli = '';
beforeAll(async () => {
  cli = await buildCliBundle();
}, 60_000);

const root = new URL('../../', import.meta.url).pathname;

interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the command with stdout on a pipe read in small bites with a pause after each. */
function throughSlowPipe(args: string[], pauseMs = 3): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), pauseMs);
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** Runs the command with stdout on a file, as `> out.json` does. */
function toFile(args: string[]): Promise<Ran> {
  const path = join(mkdtempSync(join(tmpdir(), 'cli-out-')), 'out.json');
  const fd = openSync(path, 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', fd, 'pipe'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => {
      closeSync(fd);
      resolve({ code, stdout: readFileSync(path), stderr: err });
    });
  });
}

describe('vgpu-dma-sim output through a pipe', () => {
  it.each([
    [['run', 'public/scenarios/vgpu-workload.json'], 0],
    [['run', 'conformance/more-cases.json', '--compact'], 0],
    [['check', 'conformance/more-cases.json', '--json'], 0],
    [['compare', 'conformance/kvmgt-cases.json', '--json'], 0],
    [['schema'], 0],
  ])(
    '%j: a slow reader gets the whole, valid document, the same as a file gets',
    async (args, code) => {
      const [piped, filed] = await Promise.all([throughSlowPipe(args), toFile(args)]);
      expect(piped.stderr).toBe('');
      expect(piped.code).toBe(code);
      expect(filed.code).toBe(code);
      expect(piped.stdout.length).toBeGreaterThan(1000);
      expect(piped.stdout.equals(filed.stdout)).toBe(true);
      expect(() => JSON.parse(piped.stdout.toString('utf8'))).not.toThrow();
    },
    120_000,
  );

  it('a reader that stops early (| head) ends the run quietly', async () => {
    const r = await new Promise<Ran>((resolve) => {
      const child = spawn(process.execPath, [cli, 'run', 'public/scenarios/vgpu-workload.json'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stdout.once('data', () => child.stdout.destroy());
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (c) => resolve({ code: c, stdout: Buffer.alloc(0), stderr: err }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('streams the 1 TiB preset (839 MB) through a pipe byte for byte as before the streaming writer', async () => {
    const hash = createHash('sha256');
    const r = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cli, 'run', 'public/scenarios/tib-hugepages.json'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.on('data', (b: Buffer) => hash.update(b));
      child.on('close', resolve);
    });
    expect(r).toBe(0);
    // sha256 of `vgpu-dma-sim run public/scenarios/tib-hugepages.json` as the object-walking writer printed it.
    expect(hash.digest('hex')).toBe('08d5b06ed7939c898ac3e1cf343ce58d229a8743d208648fc636ed89b6830384');
  }, 120_000);
});
