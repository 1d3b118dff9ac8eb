// The views on the current step: each renders every preset as the model has it; one selection made in
// one view is highlighted in every other; a followed address is written out and drawn as the model
// translates it.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { footprint, type Footprint } from '../src/views/shared/footprint';
import type { Space } from '../src/model/inspect/follow';
import type { StepState } from '../src/model/inspect/state';
import { count, hexPage, openModel, presetDoc, presets } from './model';
import { expectTree, treeNode } from './tree';
import { layoutTree } from '../src/views/shared/tree-layout';

const map = (page: Page) => page.getByTestId('translation-map').locator('canvas');

async function open(page: Page, preset: string): Promise<void> {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  if (preset !== presets()[0]!.id) {
    await page.getByLabel('Scenario', { exact: true }).selectOption(preset);
    await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  }
  // A tour opens before its first step, for its opening caption; the views are checked at its end.
  if (presets().find((p) => p.id === preset)?.tour) await page.getByRole('button', { name: 'Last' }).click();
}

/** What the map must report it highlights: every range of the footprint in every lane it has. */
function highlightOf(fp: Footprint, lanes: Space[]): string[] {
  return lanes
    .filter((sp) => fp[sp].lo.length > 0)
    .map((sp) => `${sp}:${fp[sp].lo.length}`)
    .sort();
}

/** The map's address lanes: guest physical when there are memslots or a vendor, the GPU's DMA space when
 * the vendor maps through a host IOMMU (without one, its dma_addr is the host physical address). */
const lanesOf = (s: StepState): Space[] => [
  ...(s.memslots.length > 0 || s.vendor ? (['gpa'] as const) : []),
  'hva',
  'iova',
  'hpa',
  ...(s.gpu ? (['dma'] as const) : []),
];

/** Everything every view must show highlighted for this footprint. */
async function highlightedEverywhere(page: Page, s: StepState, fp: Footprint): Promise<void> {
  const attr = await map(page).getAttribute('data-highlight');
  expect((attr ?? '').split(' ').filter(Boolean).sort()).toEqual(highlightOf(fp, lanesOf(s)));
  const inspector = page.getByTestId('selection');
  for (const sp of ['gpa', 'hva', 'iova', 'hpa', 'dma'] as const)
    if (fp[sp].lo.length > 0) await expect(inspector.getByTestId(`fp-${sp}`)).toContainText(hexPage(fp[sp].lo[0]!));
    else await expect(inspector.getByTestId(`fp-${sp}`)).toHaveCount(0);
  // The vfio_dma tree: the nodes whose iova range the footprint touches.
  const d = s.dmas.cols;
  let nodes = 0;
  for (let k = 0; k < s.dmas.length; k++)
    if (fp.iova.lo.some((lo, i) => lo < d.iova[k]! + d.pages[k]! && lo + fp.iova.pages[i]! > d.iova[k]!)) nodes++;
  await expectTree(page, 'dma-tree', s.dmaTree, nodes);
  // The vendor's entries: every one the gpa footprint touches is listed first, highlighted (up to 12 rows).
  if (s.vendor?.kind === 'kvmgt') {
    const e = s.vendor.entries.cols;
    let rows = 0;
    for (let i = 0; i < s.vendor.entries.length; i++)
      if (fp.gpa.lo.some((lo, k) => lo < e.gfn[i]! + e.pages[i]! && lo + fp.gpa.pages[k]! > e.gfn[i]!)) rows++;
    await expect(page.locator('[data-testid=vendor-view] tr[data-selected=true]')).toHaveCount(Math.min(rows, 12));
  }
  // iova.c of the GPU's DMA domain: the ranges holding the dma_addrs.
  if (s.gpuIovad) {
    const r = s.gpuIovad.ranges.cols;
    let ranges = 0;
    for (let i = 0; i < s.gpuIovad.ranges.length; i++)
      if (fp.dma.lo.some((lo, k) => lo <= r.hi[i]! && lo + fp.dma.pages[k]! > r.lo[i]!)) ranges++;
    await expect(page.locator('[data-testid=gpu-iovad] rect.iovad-range[data-selected=true]')).toHaveCount(ranges);
  }
  // The page table opens at the first page the selection reaches in its space.
  const ptSpace = s.iommu ? 'iova' : s.gpu ? 'dma' : null;
  if (ptSpace && fp[ptSpace].lo.length > 0)
    await expect(page.getByTestId('page-table-view')).toContainText(
      `Table pages at ${ptSpace === 'dma' ? 'dma_addr' : 'iova'} ${hexPage(fp[ptSpace].lo[0]!)}`,
    );
}

test.describe('each view renders each preset at its last step', () => {
  for (const p of presets())
    test(p.id, async ({ page }) => {
      test.setTimeout(90_000);
      const model = openModel(presetDoc(p.file));
      const s = model.state(model.info.steps);
      await open(page, p.id);
      await expect(map(page)).toHaveAttribute('data-step', String(model.info.steps));
      const names: Record<Space, string> = {
        gpa: 'guest physical',
        hva: 'QEMU virtual',
        iova: 'VFIO iova',
        hpa: 'host physical',
        dma: 'GPU DMA',
      };
      await expect(map(page)).toHaveAttribute(
        'aria-label',
        new RegExp(
          `: ${lanesOf(s)
            .map((sp) => names[sp])
            .join(', ')}\\.`,
        ),
      );
      const pt = s.iommu ?? s.gpu;
      if (pt) {
        await expect(page.getByTestId('page-table-view')).toContainText(`${pt.levels}-level, ${pt.gawBits}-bit`);
        for (let level = 1; level <= pt.levels; level++) {
          let tables = 0;
          for (let i = 0; i < pt.tables.length; i++) if (pt.tables.cols.level[i] === level) tables++;
          await expect(page.getByTestId(`pt-level-${level}`).locator('td').nth(1)).toHaveText(count(tables));
        }
      } else await expect(page.getByText('No IOMMU domain in this container')).toBeVisible();
      await expect(page.getByTestId('dma-tree-view')).toContainText(`(${count(s.dmas.length)} mappings)`);
      await expectTree(page, 'dma-tree', s.dmaTree);
      if (s.vendor?.kind === 'kvmgt')
        await expect(page.getByTestId('vendor-view')).toContainText(`(${count(s.vendor.entries.length)} entries`);
      else if (s.vendor)
        await expect(page.getByTestId('vendor-view')).toContainText(`2016 design: ${s.vendor.strategy}`);
      else await expect(page.getByText('No vGPU vendor driver in this scenario.')).toBeVisible();
      if (s.gpuIovad)
        await expect(page.getByTestId('gpu-iovad')).toContainText(`${count(s.gpuIovad.ranges.length)} ranges`);
      if (s.iovad) await expect(page.getByTestId('iovad')).toContainText(`${count(s.iovad.ranges.length)} ranges`);
      await expect(page.getByTestId('gauge-pins')).toContainText(count(s.gauges.pinnedPages));
    });
});

test('the translation map fills its panel: the bands between lanes grow with it', async ({ page }) => {
  await open(page, 'vtd-basics');
  const panel = page.locator('.map-panel');
  const canvas = map(page);
  /** Pixels left empty under the map's buttons, and the map's height. */
  const measure = () =>
    panel.evaluate((p) => {
      const below = p.querySelector('.map-actions')!.getBoundingClientRect().bottom;
      const inner = p.getBoundingClientRect().bottom - parseFloat(getComputedStyle(p).paddingBottom);
      return { empty: inner - below, map: p.querySelector('canvas')!.getBoundingClientRect().height };
    });
  await expect.poll(async () => (await measure()).empty).toBeLessThan(10);
  const small = await measure();
  expect(small.empty).toBeGreaterThanOrEqual(0);
  // A taller window: the map grows into the room it is given, and nothing scrolls.
  await page.setViewportSize({ width: 1366, height: 900 });
  await expect.poll(async () => (await measure()).map).toBeGreaterThan(small.map + 40);
  const tall = await measure();
  expect(tall.empty).toBeGreaterThanOrEqual(0);
  expect(tall.empty).toBeLessThan(10);
  expect(await panel.evaluate((p) => p.scrollHeight <= p.clientHeight)).toBe(true);
  await expect(canvas).toHaveAttribute('data-step', '3');
});

test.describe('one selection across every view', () => {
  test('a gvt_dma entry picked in the vendor view is highlighted in the map, the trees, iova.c and the page table', async ({
    page,
  }) => {
    const model = openModel(presetDoc('vgpu-2m.json'));
    const s = model.state(model.info.steps);
    if (s.vendor?.kind !== 'kvmgt') throw new Error('vgpu-2m is a KVMGT preset');
    const e = s.vendor.entries.cols;
    await open(page, 'vgpu-2m');
    await page.getByTestId('vendor-view').locator('tbody tr').first().click();
    await expect(page.getByTestId('selection')).toContainText(`gvt_dma at gfn ${hexPage(e.gfn[0]!)}`);
    const fp = footprint(s, 'gpa', e.gfn[0]!, e.pages[0]!);
    expect(fp.dma.lo).toEqual([e.dma[0]]);
    await highlightedEverywhere(page, s, fp);
  });

  test('a vfio_dma clicked on the map is highlighted in the tree, the vendor entries and the inspector', async ({
    page,
  }) => {
    const model = openModel(presetDoc('hot-unplug.json'));
    const s = model.state(model.info.steps);
    await open(page, 'hot-unplug');
    // The left edge of the iova lane: whichever vfio_dma lies under the pointer there.
    const label = page.locator('.lane-label', { hasText: 'VFIO iova' });
    const box = (await label.boundingBox())!;
    const canvas = (await map(page).boundingBox())!;
    await page.mouse.click(canvas.x + 3, box.y + box.height / 2);
    const picked = page.getByTestId('selection');
    await expect(picked).toContainText('vfio_dma at iova');
    const iova = /vfio_dma at iova (0x[0-9a-f]+)/.exec((await picked.textContent())!)![1];
    const k = [...s.dmas.cols.iova.subarray(0, s.dmas.length)].findIndex((p) => hexPage(p) === iova);
    expect(k, `a vfio_dma at iova ${iova}`).toBeGreaterThanOrEqual(0);
    await highlightedEverywhere(page, s, footprint(s, 'iova', s.dmas.cols.iova[k]!, s.dmas.cols.pages[k]!));
    // Escape clears it everywhere.
    await page.keyboard.press('Escape');
    await expect(page.locator('[data-selected=true]')).toHaveCount(0);
    await expectTree(page, 'dma-tree', s.dmaTree, 0);
    await expect(map(page)).toHaveAttribute('data-highlight', '');
  });

  test('a vfio_dma node picked in the tree is highlighted on the map and in the page table', async ({ page }) => {
    const model = openModel(presetDoc('vtd-basics.json'));
    const s = model.state(model.info.steps);
    await open(page, 'vtd-basics');
    const first = await treeNode(page, 'dma-tree', s.dmaTree, 0);
    expect(first.visible).toBe(true);
    await page.mouse.click(first.x, first.y);
    await highlightedEverywhere(page, s, footprint(s, 'iova', s.dmas.cols.iova[0]!, s.dmas.cols.pages[0]!));
  });

  test('a vfio_dma tree wider than its card opens on its root and scrolls to the node selected on the map', async ({
    page,
  }) => {
    // 60 mappings of 12 KiB, 4 KiB apart: a tree of 60 nodes, far wider than its card.
    const doc = presetDoc('vtd-basics.json') as { cases: Array<{ steps: unknown[] }> };
    doc.cases[0]!.steps = Array.from({ length: 60 }, (_, i) => ({
      op: 'MAP_DMA',
      args: {
        argsz: 32,
        flags: ['READ', 'WRITE'],
        vaddr: '0x' + (0x7f0000000000 + i * 0x4000).toString(16),
        iova: '0x' + (i * 0x4000).toString(16),
        size: '0x3000',
      },
    }));
    await page.goto('/');
    await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
    await page.locator('#scenario-file').setInputFiles({
      name: 'wide.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(doc)),
    });
    await expect(page.getByTestId('dma-tree-view')).toContainText('(60 mappings)');
    const scroller = page.getByTestId('dma-tree-view').locator('.tree-scroll');
    expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const tree = openModel(doc).state(60).dmaTree;
    const node = (k: number) => treeNode(page, 'dma-tree', tree, k);
    const rootCol = layoutTree(tree).rootCol;
    expect(rootCol).toBeGreaterThan(0);
    await expect.poll(async () => (await node(rootCol)).visible).toBe(true);
    expect((await node(0)).visible).toBe(false);
    // The rightmost vfio_dma on the iova lane (the pointer moves in from its right end) is the last
    // mapping, the tree's rightmost node.
    const label = page.locator('.lane-label', { hasText: 'VFIO iova' });
    const box = (await label.boundingBox())!;
    const canvas = (await map(page).boundingBox())!;
    const y = box.y + box.height / 2;
    for (let x = canvas.x + canvas.width - 1; x > canvas.x; x -= 3) {
      await page.mouse.move(x, y);
      if ((await page.getByTestId('selection').textContent())!.includes('vfio_dma at iova')) break;
    }
    await page.mouse.down();
    await page.mouse.up();
    await expect(page.getByTestId('selection')).toContainText(`vfio_dma at iova ${hexPage(59 * 4)}`);
    await expectTree(page, 'dma-tree', tree, 1);
    await expect.poll(async () => (await node(59)).visible).toBe(true);
    expect((await node(rootCol)).visible).toBe(false);
    // A node picked where it is already in view stays where it is, under the pointer.
    const before = await node(56);
    expect(before.visible).toBe(true);
    await page.mouse.click(before.x, before.y);
    await expect(page.getByTestId('selection')).toContainText(`vfio_dma at iova ${hexPage(56 * 4)}`);
    await expectTree(page, 'dma-tree', tree, 1);
    expect((await node(56)).x).toBe(before.x);
    // The wide tree is a tab stop: ← → scroll it instead of stepping.
    await expect(scroller).toHaveAttribute('tabindex', '0');
    await scroller.focus();
    const left = await scroller.evaluate((el) => el.scrollLeft);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => scroller.evaluate((el) => el.scrollLeft)).toBeLessThan(left);
    await expect(map(page)).toHaveAttribute('data-step', '60');
  });

  test('an entry of a table page: its bits on hover, and picked it is the selection everywhere', async ({ page }) => {
    await open(page, 'vtd-basics');
    // Step 2: the 1 GiB leaf at L3 entry 1, and the 2 MiB at 0x1000 as 4 KiB leaves under L3 entry 0.
    await page.getByRole('button', { name: 'Previous step' }).click();
    await expect(map(page)).toHaveAttribute('data-step', '2');
    const l3 = page.getByTestId('tpage-L3');
    await l3.locator('[data-i="1"]').hover();
    await expect(l3.locator('.entry-info')).toContainText('entry 1: 0x100000083');
    await expect(l3.locator('.entry-info')).toContainText('leaf → 0x100000000');
    await l3.locator('[data-i="1"]').click();
    await expect(page.getByTestId('selection')).toContainText('L3 entry 1 of the table page');
    // The iova lane shows 0x0–0x200000 (where step 2 mapped): zoomed to the selection, every lane has it.
    await page.getByRole('button', { name: 'Zoom to selection' }).click();
    await expect(map(page)).toHaveAttribute('data-highlight', /iova:1/);
    const model = openModel(presetDoc('vtd-basics.json'));
    await highlightedEverywhere(page, model.state(2), footprint(model.state(2), 'iova', 0x40000, 0x40000));
  });
});

test.describe('follow an address', () => {
  /** The page's chain, hop by hop and level by level, is the model's. */
  async function chainIsTheModels(page: Page, chain: ReturnType<ReturnType<typeof openModel>['follow']>) {
    const box = page.getByTestId('chain');
    await expect(box.locator('li')).toHaveCount(chain.hops.length);
    for (const h of chain.hops) await expect(box.getByTestId(`hop-${h.space}`)).toContainText(h.addr);
    for (const w of [...chain.walk, ...chain.gpuWalk])
      await expect(box.getByTestId(`walk-L${w.level}`).first()).toContainText(String(w.index));
    for (const n of chain.notes) await expect(box).toContainText(n);
    await expect(map(page)).toHaveAttribute('data-chain', String(new Set(chain.hops.map((h) => h.space)).size));
  }

  test('an iova: the walk at every level and the host frame, as the model translates it', async ({ page }) => {
    const model = openModel(presetDoc('vtd-basics.json'));
    const n = model.info.steps;
    const s = model.state(n);
    const addr = (BigInt(s.iommu!.runs.cols.iova[0]! + 5) << 12n) + 0x123n;
    const chain = model.follow(n, 'iova', addr);
    expect(chain.walk.length).toBe(4);
    await open(page, 'vtd-basics');
    await page.keyboard.press('f');
    await expect(page.locator('#follow-addr')).toBeFocused();
    await page.getByLabel('Address space').selectOption('iova');
    await page.locator('#follow-addr').fill('0x' + addr.toString(16));
    await page.locator('#follow-addr').press('Enter');
    await chainIsTheModels(page, chain);
    await expect(page.getByTestId('page-table-view')).toContainText(
      `Table pages at iova ${hexPage(Number(addr >> 12n))}`,
    );
    // Stepping back follows the same address again at that step.
    await page.keyboard.press('Home');
    await chainIsTheModels(page, model.follow(0, 'iova', addr));
  });

  test('a gpa under a vGPU: gfn → dma_addr through the gvt_dma entry → the GPU domain walk → host frame', async ({
    page,
  }) => {
    const model = openModel(presetDoc('vgpu-2m.json'));
    const n = model.info.steps;
    const s = model.state(n);
    if (s.vendor?.kind !== 'kvmgt') throw new Error('vgpu-2m is a KVMGT preset');
    const addr = (BigInt(s.vendor.entries.cols.gfn[3]! + 7) << 12n) + 0x45n;
    const chain = model.follow(n, 'gpa', addr);
    expect(chain.hops.map((h) => h.space)).toContain('dma');
    expect(chain.gpuWalk.length).toBeGreaterThan(0);
    await open(page, 'vgpu-2m');
    await page.getByLabel('Address space').selectOption('gpa');
    await page.locator('#follow-addr').fill('0x' + addr.toString(16));
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await chainIsTheModels(page, chain);
    // A selection made after the follow is the user's: stepping follows the address again and keeps it.
    const other = hexPage(s.vendor.entries.cols.gfn[0]!);
    await page.getByTestId('vendor-view').locator('tbody tr', { hasText: other }).first().click();
    await page.mouse.move(0, 0);
    await expect(page.getByTestId('selection')).toContainText(`gvt_dma at gfn ${other}`);
    await page.keyboard.press('Home');
    await chainIsTheModels(page, model.follow(0, 'gpa', addr));
    await expect(page.getByTestId('selection')).toContainText(`gvt_dma at gfn ${other}`);
  });

  test('what is not an address is said so, and the chain shown before stays', async ({ page }) => {
    await open(page, 'vtd-basics');
    await page.locator('#follow-addr').fill('0xzz');
    await page.locator('#follow-addr').press('Enter');
    await expect(page.getByRole('alert')).toContainText('"0xzz" is not an address');
  });
});
