// The rb-tree canvases (TreeCanvas): how many nodes they draw and highlight, and where a node is, found
// through the layout the canvas draws (tree-layout.ts) and the part of the tree its box shows.
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import type { TreeShape } from '../src/model/inspect/tree';
import { NODE_R, layoutTree } from '../src/views/shared/tree-layout';

/** The tree draws `nodes` nodes (none: no canvas) and highlights `selected` of them. */
export async function expectTree(page: Page, testid: string, nodes: number, selected?: number): Promise<void> {
  const canvas = page.getByTestId(testid);
  if (nodes === 0) {
    await expect(canvas).toHaveCount(0);
    return;
  }
  await expect(canvas).toHaveAttribute('data-nodes', String(nodes));
  if (selected !== undefined) await expect(canvas).toHaveAttribute('data-selected-nodes', String(selected));
}

/**
 * Where node k (in key order) of the tree `testid` is on the page, and whether the whole node can be
 * seen (nothing scrolled over it or clipped: the page finds the canvas at its four extremes).
 */
export async function treeNode(
  page: Page,
  testid: string,
  tree: TreeShape,
  k: number,
): Promise<{ x: number; y: number; visible: boolean }> {
  const l = layoutTree(tree);
  return page.getByTestId(testid).evaluate(
    (c, [tx, ty, r]) => {
      const left = c.closest('.tree-scroll')!.scrollLeft;
      const box = c.getBoundingClientRect();
      const x = box.left + tx - left;
      const y = box.top + ty;
      const at = (px: number, py: number) => document.elementFromPoint(px, py) === c;
      return { x, y, visible: at(x - r, y) && at(x + r, y) && at(x, y - r) && at(x, y + r) };
    },
    [l.x[k]!, l.y[k]!, NODE_R - 1] as const,
  );
}
