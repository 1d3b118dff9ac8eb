// Numbers as people type them: hex (0x1000, with _ separators), decimal, and sizes with a binary suffix
// (2M = 2 MiB, 1G, 4K, 1T; an optional "iB" or "B"). Exact: bigints, so a 64-bit address survives.

const SUFFIX: Record<string, bigint> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, P: 1n << 50n };

export function parseNumber(text: string): bigint | null {
  const t = text.trim().replace(/_/g, '');
  if (/^-?\d+$/.test(t)) return BigInt(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  const m = /^(\d+)\s*([KMGTP])(i?B)?$/i.exec(t);
  if (m) return BigInt(m[1]!) * SUFFIX[m[2]!.toUpperCase()]!;
  return null;
}
