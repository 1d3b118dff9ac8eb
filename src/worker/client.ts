// The page's handle on the simulation worker. Each request carries a generation: an answer to a request
// that was superseded or cancelled is dropped. Cancelling terminates the worker (a step can be long)
// and starts a fresh one, so the page never waits on a step it no longer wants. A worker that fails (its
// script does not load, it throws outside a request, it is killed, or it stops answering: no heartbeat
// while it works) is replaced the same way, and the request in flight rejects with WorkerFailed.

import { wrap, type Remote } from 'comlink';
import type { ResultsDoc, RunOptions } from '../model/engine/types';
import type { SimApi } from './api';
import type { Envelope } from './protocol';
import { KeptTables } from './kept';
import type { StateReply } from './session';
import { HEARTBEAT, HEARTBEAT_EVERY_MS } from './heartbeat';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'Superseded';
  }
}

export class WorkerFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFailed';
  }
}

/** No heartbeat and no answer for this long while a request runs: the worker is gone or stuck. */
export const WATCHDOG_MS = 40 * HEARTBEAT_EVERY_MS;

type SessionMethod = 'load' | 'steps' | 'state' | 'follow' | 'opForms';
type SessionValue<K extends SessionMethod> = ReturnType<SimApi[K]> extends Envelope<infer T> ? T : never;

export class SimClient {
  private worker!: Worker;
  private api!: Remote<SimApi>;
  private generation = 0;
  /** Bumped when the worker is replaced: what the old one was asked dies with it. */
  private epoch = 0;
  /** Rejects requests in flight that do not supersede others. */
  private readonly pending = new Set<(e: Error) => void>();
  /** Rejects the request in flight; a terminated worker never answers it. */
  private abort: ((e: Error) => void) | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  /** Tables state replies leave out once this worker has sent them. */
  private kept = new KeptTables();

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

  /** One case under two profiles or vendor models; it waits its turn beside the vendor comparison's runs. */
  twoRuns(...args: Parameters<SimApi['twoRuns']>): Promise<ReturnType<SimApi['twoRuns']>> {
    return this.tracked(() => this.api.twoRuns(...args));
  }

  /** Issues a request as the newest one: any earlier request still in flight rejects with Superseded. */
  private async latest<T>(call: () => Promise<T>): Promise<T> {
    const gen = ++this.generation;
    this.abort?.(new Superseded());
    const result = await new Promise<T>((resolve, reject) => {
      this.abort = reject;
      this.arm();
      call().then(resolve, reject);
    });
    if (gen !== this.generation) throw new Superseded();
    this.abort = null;
    this.disarm();
    return result;
  }

  /**
   * A call on the worker's session. Its reply comes in an envelope whose typed arrays were moved; the bytes
   * that were copied are recorded as a `vgpu:reply` performance mark (the benchmark reads them).
   */
  async session<K extends SessionMethod>(method: K, ...args: Parameters<SimApi[K]>): Promise<SessionValue<K>> {
    const call = () =>
      (this.api[method] as unknown as (...a: unknown[]) => Promise<Envelope<SessionValue<K>>>)(...args);
    const reply = method === 'load' ? await this.latest(call) : await this.tracked(call);
    performance.mark('vgpu:reply', { detail: { method, cloned: reply.cloned } });
    if (method === 'state') this.kept.fill(reply.value as StateReply);
    return reply.value;
  }

  /** A request that does not supersede others, watched by the watchdog while it runs. */
  private async tracked<T>(call: () => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    let reject: (e: Error) => void = () => undefined;
    const result = new Promise<T>((resolve, rej) => {
      reject = rej;
      this.pending.add(rej);
      this.arm();
      call().then(resolve, rej);
    });
    try {
      const value = await result;
      if (epoch !== this.epoch) throw new Superseded();
      return value;
    } finally {
      this.pending.delete(reject);
      if (!this.abort && this.pending.size === 0) this.disarm();
    }
  }

  /** Tracking costs of the seed thread's example (no generation: it does not depend on the scenario). */
  seedExample(): Promise<ReturnType<SimApi['seedExample']>> {
    return this.api.seedExample();
  }

  /** Abandons whatever is running: the pending request rejects with Superseded. */
  cancel(): void {
    this.replace(new Superseded());
  }

  /** The worker is gone or stuck: start a new one and fail the request in flight with the reason. */
  private fail(reason: string): void {
    this.replace(new WorkerFailed(reason));
  }

  private replace(why: Error): void {
    this.generation++;
    this.epoch++;
    this.abort?.(why);
    this.abort = null;
    for (const reject of this.pending) reject(why);
    this.pending.clear();
    this.disarm();
    this.worker.terminate();
    this.kept = new KeptTables();
    this.start();
  }

  private arm(): void {
    this.disarm();
    this.watchdog = setTimeout(
      () => this.fail(`the simulation worker stopped answering for ${WATCHDOG_MS / 1000} s`),
      WATCHDOG_MS,
    );
  }

  private disarm(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private start(): void {
    // Written out in place: Vite bundles a worker only from `new Worker(new URL(…, import.meta.url))`.
    const worker = new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module', name: 'vgpu-dma-sim' });
    worker.addEventListener('message', (e: MessageEvent) => {
      if ((e.data as { type?: unknown } | null)?.type === HEARTBEAT && (this.abort || this.pending.size > 0))
        this.arm();
    });
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(
        e.message ? `the simulation worker failed: ${e.message}` : 'the simulation worker could not be started',
      );
    });
    worker.addEventListener('messageerror', () => this.fail('a message from the simulation worker could not be read'));
    this.worker = worker;
    this.api = wrap<SimApi>(worker);
  }
}
