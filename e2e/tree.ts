// The rb-tree canvases (TreeCanvas): how many nodes they drew and highlighted, and where a node is, found
// through the layout the canvas draws (tree-layout.ts) and the scroll offset it last drew at.
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import type { TreeShape } from '../src/model/inspect/tree';
import { NODE_R, layoutTree } from '../src/views/shared/tree-layout';

/** The tree as drawn: all of its layout's nodes (none: no canvas), `selected` of them highlighted. */
export async function expectTree(page: Page, testid: string, tree: TreeShape, selected?: number): Promise<void> {
  const canvas = page.getByTestId(testid);
  const nodes = layoutTree(tree).rows.length;
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
      // Where the last drawing started, which must be where the box is scrolled to.
      const left = Number((c as HTMLElement).dataset.left);
      if (left !== c.closest('.tree-scroll')!.scrollLeft) return { x: 0, y: 0, visible: false };
      const box = c.getBoundingClientRect();
      const x = box.left + tx - left;
      const y = box.top + ty;
      const at = (px: number, py: number) => document.elementFromPoint(px, py) === c;
      return { x, y, visible: at(x - r, y) && at(x + r, y) && at(x, y - r) && at(x, y + r) };
    },
    [l.x[k]!, l.y[k]!, NODE_R - 1] as const,
  );
}
