// A VT-d second-level entry decoded the way the spec names its bits (struct dma_pte): read, write,
// super page (PS, bit 7), snoop (SNP, bit 11) and the address bits. Pure.

export interface DecodedPte {
  raw: string;
  addr: string;
  bits: string[];
  leaf: boolean;
}

export function decodePte(value: number, leaf: boolean, level: number): DecodedPte {
  const pfn = Math.floor(value / 4096);
  const low = value - pfn * 4096;
  const bits: string[] = [];
  if (low & 1) bits.push('R (bit 0)');
  if (low & 2) bits.push('W (bit 1)');
  if (low & 0x80) bits.push(`PS (bit 7): a ${level === 2 ? '2 MiB' : level === 3 ? '1 GiB' : 'super'} page`);
  if (low & 0x800) bits.push('SNP (bit 11): snooped');
  return {
    raw: '0x' + value.toString(16),
    addr: '0x' + (BigInt(pfn) << 12n).toString(16),
    bits,
    leaf,
  };
}
