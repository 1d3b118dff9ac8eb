// The worker's sign of life while it works: a message at most every HEARTBEAT_EVERY_MS, sent from the
// model's work budget (and between steps), which the client's watchdog waits for. Comlink ignores it.

export const HEARTBEAT = 'vgpu-dma-sim:heartbeat';
export const HEARTBEAT_EVERY_MS = 250;

/** A progress callback that posts a heartbeat when the last one is older than HEARTBEAT_EVERY_MS. */
export function heartbeat(post: (message: unknown) => void, now: () => number = () => performance.now()): () => void {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < HEARTBEAT_EVERY_MS) return;
    last = t;
    post({ type: HEARTBEAT });
  };
}
