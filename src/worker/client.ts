// The page's handle on the simulation worker. Each request carries a generation: an answer to a request
// that was superseded or cancelled is dropped. Cancelling terminates the worker (a step can be long)
// and starts a fresh one, so the page never waits on a step it no longer wants.

import { wrap, type Remote } from 'comlink';
import type { ResultsDoc, RunOptions } from '../model/engine/types';
import type { SimApi } from './api';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'Superseded';
  }
}

export class SimClient {
  private worker!: Worker;
  private api!: Remote<SimApi>;
  private generation = 0;
  /** Rejects the request in flight; a terminated worker never answers it. */
  private abort: ((e: Error) => void) | null = null;

  constructor() {
    this.start();
  }

  run(doc: unknown, opts: RunOptions = {}): Promise<ResultsDoc> {
    return this.latest(() => this.api.run(doc, opts));
  }

  /** One vendor model's cost rows; like run, a newer request supersedes it. */
  compareOne(doc: unknown, label: string): Promise<ReturnType<SimApi['compareOne']>> {
    return this.latest(() => this.api.compareOne(doc, label));
  }

  /** Issues a request as the newest one: any earlier request still in flight rejects with Superseded. */
  private async latest<T>(call: () => Promise<T>): Promise<T> {
    const gen = ++this.generation;
    this.abort?.(new Superseded());
    const result = await new Promise<T>((resolve, reject) => {
      this.abort = reject;
      call().then(resolve, reject);
    });
    if (gen !== this.generation) throw new Superseded();
    this.abort = null;
    return result;
  }

  /** Tracking costs of the seed thread's example (no generation: it does not depend on the scenario). */
  seedExample(): Promise<ReturnType<SimApi['seedExample']>> {
    return this.api.seedExample();
  }

  /** Abandons whatever is running: the pending request rejects with Superseded. */
  cancel(): void {
    this.generation++;
    this.abort?.(new Superseded());
    this.abort = null;
    this.worker.terminate();
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module', name: 'vgpu-dma-sim' });
    this.api = wrap<SimApi>(this.worker);
  }
}
