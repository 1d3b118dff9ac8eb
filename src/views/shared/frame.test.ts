import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A screen whose pixel density the test moves, with the media queries a page would see. */
function fakeScreen() {
  const queries: Array<{ media: string; listeners: Array<() => void> }> = [];
  const frames: Array<() => void> = [];
  const screen = {
    dpr: 1,
    queries,
    /** Moves the window to a screen of another density: the queries that stop matching say so. */
    move(dpr: number) {
      screen.dpr = dpr;
      for (const q of queries.splice(0))
        if (q.media !== `(resolution: ${dpr}dppx)`) for (const l of q.listeners) l();
        else queries.push(q);
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
    const q = { media, listeners: [] as Array<() => void> };
    queries.push(q);
    return { addEventListener: (_: string, l: () => void) => q.listeners.push(l) };
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
    // Watching the new density now: back to the first screen draws again.
    expect(screen.queries.map((q) => q.media)).toEqual(['(resolution: 2dppx)']);
    undoTree();
    screen.move(1);
    screen.frame();
    expect([map.mock.calls.length, tree.mock.calls.length]).toEqual([2, 1]);
  });
});
