// The page: a header, the steps on the left, the translation map and the structures in the middle, the
// inspector and gauges on the right, the timeline at the bottom; every panel resizable. The comparison
// of vendor models has its own tab.
import { useEffect, type ReactNode } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import { useAppStore } from '../state/store';
import { useView } from '../state/view';
import { DmaTreeView } from '../views/dmatree/DmaTreeView';
import { Gauges } from '../views/gauges/Gauges';
import { IovaView } from '../views/iova/IovaView';
import { PageTableView } from '../views/pagetable/PageTableView';
import { Legend } from '../views/shared/Legend';
import { TranslationView } from '../views/translation/TranslationView';
import { VendorView } from '../views/vendor/VendorView';
import { loadPresetList, openPreset, presetsRequested } from './actions';
import { isLink } from '../url/codec';
import { forgetSavedLink, savedLink, startAutosave } from './autosave';
import { Embed, isEmbed } from './Embed';
import { openScenarioFile } from './files';
import { listenForLinks, openLink } from './share';
import { commandById, useKeymap } from './commands';
import { useThemeSync } from './theme';
import { ComparePanel } from './compare/ComparePanel';
import { TwoRunsPanel } from './compare/TwoRunsPanel';
import { SeedExample } from './SeedExample';
import { Header } from './shell/Header';
import { ContainedPanel } from './shell/ContainedPanel';
import { HelpSheet } from './shell/HelpSheet';
import { Inspector } from './shell/Inspector';
import { OpPanel } from './shell/OpPanel';
import { StepList } from './shell/StepList';
import { Timeline } from './shell/Timeline';
import { TourCard } from './tour/TourCard';

/** The cards below the map, in order: each kernel structure's view and the name it is announced by. */
const STRUCTURES: ReadonlyArray<[string, () => ReactNode]> = [
  ['IOMMU page table', PageTableView],
  ['vfio_dma tree', DmaTreeView],
  ['vGPU vendor tracking', VendorView],
  ['iova.c', IovaView],
];

/** Opens the working scenario saved by the last visit; a saved entry that does not open is dropped. */
async function openSaved(): Promise<boolean> {
  const saved = savedLink();
  if (!saved) return false;
  if (await openLink(saved, 'Working scenario (from your last visit)')) return true;
  forgetSavedLink();
  useAppStore.getState().set({ message: null });
  return false;
}

export function App() {
  const message = useAppStore((s) => s.message);
  const tab = useView((s) => s.tab);
  useThemeSync();

  useEffect(() => {
    // A link opens what it holds; without one (or when it does not open) the first preset opens.
    let stopAutosave = () => {};
    void loadPresetList().then(async (presets) => {
      // A link in the address wins; without one, the working scenario of the last visit comes back.
      const hash = window.location.hash;
      // An embedded map shows someone else's link: the user's working scenario is neither shown nor saved.
      const embed = isEmbed(window.location.search);
      const opened = isLink(hash) ? await openLink(hash) : !embed && (await openSaved());
      if (!opened) {
        // Why a link did not open stays on screen over the preset that opens instead.
        const why = isLink(hash) ? useAppStore.getState().message : null;
        // Unless a preset was chosen meanwhile (the list is usable as soon as it is loaded): opening the
        // first one then would replace the choice.
        if (presets[0] && presetsRequested() === 0) await openPreset(presets[0].id);
        if (why) useAppStore.getState().set({ message: why });
      }
      if (!embed) stopAutosave = startAutosave();
    });
    const stopLinks = listenForLinks();
    return () => {
      stopLinks();
      stopAutosave();
    };
  }, []);

  return isEmbed(window.location.search) ? <Embed /> : <FullApp message={message} tab={tab} />;
}

function FullApp({ message, tab }: { message: string | null; tab: 'map' | 'compare' }) {
  useKeymap();
  const action = useAppStore((s) => s.messageAction);
  return (
    <div
      className="app"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const f = e.dataTransfer.files[0];
        if (!f) return;
        e.preventDefault();
        void openScenarioFile(f);
      }}
    >
      <Header />
      {message && (
        <div className="message">
          <p role="alert">{message}</p>
          {action?.for === message && (
            <button type="button" className="small" onClick={() => commandById(action.command).run()}>
              {action.label}
            </button>
          )}
          <button
            type="button"
            className="dismiss"
            aria-label="Dismiss the message"
            onClick={() => useAppStore.getState().set({ message: null })}
          >
            ×
          </button>
        </div>
      )}
      {tab === 'map' ? (
        <>
          <TourCard />
          <main className="workspace">
            <Group orientation="horizontal" className="cols">
              <Panel defaultSize="21" minSize="14" className="col">
                <Group orientation="vertical">
                  <ContainedPanel defaultSize="62" minSize="20">
                    <StepList />
                  </ContainedPanel>
                  <Separator className="sep-h" />
                  <ContainedPanel minSize="12">
                    <OpPanel />
                  </ContainedPanel>
                </Group>
              </Panel>
              <Separator className="sep-v" />
              <Panel minSize="35" className="col">
                <Group orientation="vertical">
                  <ContainedPanel defaultSize="50" minSize="20" box={{ className: 'map-panel' }}>
                    <section aria-label="Translation map" className="map-section">
                      <div className="map-head">
                        <h2 className="panel-title">Translation map</h2>
                        <Legend />
                        <span className="grow" />
                        <span className="map-save muted">
                          Save map as{' '}
                          {(['svg', 'png'] as const).map((kind) => (
                            <button
                              key={kind}
                              type="button"
                              className="small"
                              onClick={() => commandById(`view.${kind}`).run()}
                              title={`Save the map as ${kind.toUpperCase()} (${kind === 'svg' ? 'e' : 'Shift+E'})`}
                              aria-label={`Save map as ${kind.toUpperCase()}`}
                            >
                              {kind.toUpperCase()}
                            </button>
                          ))}
                        </span>
                      </div>
                      <TranslationView />
                    </section>
                  </ContainedPanel>
                  <Separator className="sep-h" />
                  {/* Focusable, like each card, so the keyboard can scroll what does not fit (axe:
                      scrollable-region-focusable): the structures hold few controls of their own. */}
                  <ContainedPanel
                    minSize="15"
                    box={{
                      className: 'structures scroll-panel',
                      tabIndex: 0,
                      role: 'region',
                      'aria-label': 'Kernel structures',
                    }}
                  >
                    {STRUCTURES.map(([label, View]) => (
                      <section key={label} className="card" tabIndex={0} aria-label={label}>
                        <View />
                      </section>
                    ))}
                  </ContainedPanel>
                </Group>
              </Panel>
              <Separator className="sep-v" />
              <ContainedPanel defaultSize="23" minSize="14" className="col">
                <Inspector />
                <Gauges />
              </ContainedPanel>
            </Group>
          </main>
          <Timeline />
        </>
      ) : (
        <main className="compare-tab">
          <TwoRunsPanel />
          <ComparePanel />
          <SeedExample />
        </main>
      )}
      <HelpSheet />
    </div>
  );
}
