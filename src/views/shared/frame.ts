// The page's one requestAnimationFrame owner: views ask for a redraw (invalidate) and every dirty view is
// drawn once in the next frame. Each frame that drew something leaves a `vgpu:frame` performance mark
// with the script time it took, which the UI benchmark reads. Canvases that size their pixels to the
// screen's density are drawn again when it changes without a resize (a window moved to another monitor).

const dirty = new Set<() => void>();
let scheduled = false;
/** What the frame after a step change should report (the step shown), set by whoever changed it. */
let pendingStep: number | null = null;

function run(): void {
  scheduled = false;
  const list = [...dirty];
  dirty.clear();
  const t0 = performance.now();
  for (const draw of list) draw();
  const script = performance.now() - t0;
  performance.mark('vgpu:frame', { detail: { script, step: pendingStep } });
  pendingStep = null;
}

/** Draws `draw` in the next animation frame (once, however often it is asked). */
export function invalidate(draw: () => void): void {
  dirty.add(draw);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(run);
  }
}

/** The next frame shows step n: its mark says so. */
export function frameShowsStep(n: number): void {
  pendingStep = n;
}

/** The draws of the canvases on the page, by who registered them. */
const canvases = new Set<() => void>();
/** The query matching the present density, held here: one nobody holds may be collected with its listener. */
let density: MediaQueryList | null = null;

/** Waits for the screen's pixel density to leave its present value, then redraws every canvas. */
function watchDensity(): void {
  density = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
  density.addEventListener(
    'change',
    () => {
      for (const draw of canvases) invalidate(draw);
      watchDensity();
    },
    { once: true },
  );
}

/** `draw` paints a canvas at the screen's density: drawn again when the density changes. Returns the undo. */
export function drawsCanvas(draw: () => void): () => void {
  canvases.add(draw);
  if (!density) watchDensity();
  return () => {
    canvases.delete(draw);
  };
}
