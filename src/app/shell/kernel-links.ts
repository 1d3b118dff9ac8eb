// Links from the kernel functions a step reports to their definitions, at the tag of the kernel profile
// the case runs under: Elixir's identifier search (/linux/v6.18/ident/vfio_dma_do_map) needs no line
// numbers, so a link stays right as the source moves.

import { NAMED_PROFILES } from '../../model/profile';

/** Path entries that name a callback rather than a function: the identifier to look up. */
const ALIASES: Record<string, string> = {
  // vfio_device_ops.dma_unmap, called by vfio_notify_dma_unmap (the vendor driver's callback).
  'vendor dma_unmap': 'dma_unmap',
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The Elixir tag of a profile: "6.18" → "v6.18"; without one, the newest profile's. */
export function elixirTag(kernel: string | null): string {
  const m = /^(\d+)\.(\d+)/.exec(kernel ?? '');
  return m ? `v${Number(m[1])}.${Number(m[2])}` : `v${NAMED_PROFILES[NAMED_PROFILES.length - 1]}`;
}

/** Where a reported function is defined, or null for a name that is not a kernel identifier. */
export function functionLink(name: string, kernel: string | null): string | null {
  const ident = ALIASES[name] ?? name;
  return IDENT.test(ident) ? `https://elixir.bootlin.com/linux/${elixirTag(kernel)}/ident/${ident}` : null;
}
