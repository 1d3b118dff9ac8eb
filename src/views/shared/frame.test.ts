import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A screen whose pixel density the test moves, with the media queries a page would see. */
function fakeScreen() {
  type Listener = { fn: () => void; once: boolean };
  const queries: Array<{ media: string; matched: boolean; listeners: Listener[] }> = [];
  const frames: Array<() => void> = [];
  const matches = (media: string) => media === `(resolution: ${screen.dpr}dppx)`;
  const screen = {
    dpr: 1,
    /** Listeners still waiting on some query. */
    get listening(): number {
      return queries.reduce((a, q) => a + q.listeners.length, 0);
    },
    /** Moves the window to a screen of another density: every query whose answer changes says so. */
    move(dpr: number) {
      screen.dpr = dpr;
      for (const q of [...queries]) {
        if (q.matched === matches(q.media)) continue;
        q.matched = !q.matched;
        const now = [...q.listeners];
        q.listeners = q.listeners.filter((l) => !l.once);
        for (const l of now) l.fn();
      }
    },
    /** Runs the animation frame asked for. */
    frame() {
      for (const f of frames.splice(0)) f();
    },
  };
  vi.stubGlobal('window', {
    get devicePixelRatio() {
      return screen.dpr;
    },
  });
  vi.stubGlobal('matchMedia', (media: string) => {
    const q = { media, matched: matches(media), listeners: [] as Listener[] };
    queries.push(q);
    return {
      addEventListener: (_: string, fn: () => void, opts?: { once?: boolean }) =>
        q.listeners.push({ fn, once: opts?.once === true }),
    };
  });
  vi.stubGlobal('requestAnimationFrame', (f: () => void) => frames.push(f));
  vi.stubGlobal('performance', { now: () => 0, mark: () => undefined });
  return screen;
}

describe('canvases at the screen’s density', () => {
  beforeEach(() => vi.resetModules());
  afterEach(() => vi.unstubAllGlobals());

  it('are drawn again when the density changes, every time, and not once they are gone', async () => {
    const screen = fakeScreen();
    const { drawsCanvas } = await import('./frame');
    const map = vi.fn();
    const tree = vi.fn();
    drawsCanvas(map);
    const undoTree = drawsCanvas(tree);
    screen.frame();
    expect([map.mock.calls.length, tree.mock.calls.length]).toEqual([0, 0]);

    screen.move(2);
    screen.frame();
    expect([map.mock.calls.length, tree.mock.calls.length]).toEqual([1, 1]);
    // Watching the new density now, and only it: back to the first screen draws once more.
    expect(screen.listening).toBe(1);
    undoTree();
    screen.move(1);
    screen.frame();
    expect([map.mock.calls.length, tree.mock.calls.length]).toEqual([2, 1]);
    expect(screen.listening).toBe(1);
  });
});
