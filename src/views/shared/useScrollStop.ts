// A box that scrolls sideways is a tab stop while (and only while) its content is wider than it: the
// keyboard can then reach and scroll it (axe: scrollable-region-focusable), and boxes that fit cost no
// stop. The keymap leaves ← → to such a box (commands.ts).
import { useEffect, type RefObject } from 'react';

/** `mounted`: whether the box is on the page (a component may draw something else instead). */
export function useScrollStop(ref: RefObject<HTMLElement | null>, mounted: boolean): void {
  useEffect(() => {
    const el = ref.current;
    const content = el?.firstElementChild;
    if (!el || !content) return;
    const update = () => {
      if (el.scrollWidth > el.clientWidth) el.tabIndex = 0;
      else el.removeAttribute('tabindex');
    };
    const ro = new ResizeObserver(update);
    ro.observe(el);
    ro.observe(content);
    return () => ro.disconnect();
  }, [ref, mounted]);
}

/** Whether ← → should scroll this element rather than step: it is a focused box that scrolls sideways. */
export const scrollsSideways = (el: Element | null): boolean =>
  !!el && el.hasAttribute('tabindex') && el.scrollWidth > el.clientWidth;
