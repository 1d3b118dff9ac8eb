// A resizable panel whose content is laid out and painted apart from the rest of the page (styles.css:
// .scroll-panel, .map-panel). The containment sits on a box inside the panel's own box: Chromium never
// lays out a flex item (the panel's box) apart from its container, so containment there lays out the page.
import type { ComponentProps, HTMLAttributes, ReactNode } from 'react';
import { Panel } from 'react-resizable-panels';

type Props = Omit<ComponentProps<typeof Panel>, 'children'> & {
  /** The contained box: its class (`scroll-panel` unless said) and whatever else it needs. */
  box?: HTMLAttributes<HTMLDivElement>;
  children: ReactNode;
};

export function ContainedPanel({ box, children, ...panel }: Props) {
  return (
    <Panel {...panel}>
      <div className="scroll-panel" {...box}>
        {children}
      </div>
    </Panel>
  );
}
