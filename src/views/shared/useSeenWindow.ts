// Where a scroll box is scrolled to and how wide it is, as it last reported them (its scroll events, its
// resizes): a view that must decide on them during a step reads them without laying out the page.
import { useEffect, useLayoutEffect, useState, type RefObject } from 'react';

export interface SeenWindow {
  left: number;
  width: number;
}

/**
 * Keeps `seen` at the box's scroll position and width (read once when it mounts, then as reported) and
 * calls `moved` after each report. Returns the width, for what React draws at that width.
 */
export function useSeenWindow(
  ref: RefObject<HTMLElement | null>,
  seen: RefObject<SeenWindow | null>,
  mounted: boolean,
  moved: () => void,
): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    seen.current = { left: el.scrollLeft, width: el.clientWidth };
    setWidth(el.clientWidth);
  }, [ref, seen, mounted]);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      seen.current = { left: el.scrollLeft, width: el.clientWidth };
      setWidth(el.clientWidth);
      moved();
    });
    const onScroll = () => {
      if (seen.current) seen.current.left = el.scrollLeft;
      moved();
    };
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', onScroll);
      seen.current = null;
    };
  }, [ref, seen, mounted, moved]);
  return width;
}
