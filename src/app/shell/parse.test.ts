import { describe, expect, it } from 'vitest';
import { argsOf, kindOf } from './OpPanel';
import { parseNumber } from './parse';

describe('typed numbers', () => {
  it('reads hex, decimal and sizes with binary suffixes, exactly', () => {
    expect(parseNumber('0x1_0000_0000')).toBe(1n << 32n);
    expect(parseNumber('4096')).toBe(4096n);
    expect(parseNumber('2M')).toBe(2n << 20n);
    expect(parseNumber('1 GiB')).toBe(1n << 30n);
    expect(parseNumber('0xffffffffffffffff')).toBe((1n << 64n) - 1n);
    expect(parseNumber('12Q')).toBeNull();
    expect(parseNumber('0x')).toBeNull();
  });
});

describe('the op form', () => {
  const form = {
    op: 'MAP_DMA',
    entry: 'VFIO_IOMMU_MAP_DMA',
    args: {
      type: 'object',
      properties: {
        flags: {
          default: [],
          anyOf: [{ type: 'array', items: { type: 'string', enum: ['READ', 'WRITE', 'VADDR'] } }, { type: 'integer' }],
        },
        vaddr: { type: ['string', 'number'] },
        size: { type: ['string', 'number'] },
      },
      required: ['vaddr', 'size'],
    },
  };
  it('knows flags by name and numbers by type', () => {
    expect(kindOf(form.args.properties.flags)).toEqual({ kind: 'flags', names: ['READ', 'WRITE', 'VADDR'] });
    expect(kindOf(form.args.properties.vaddr)).toEqual({ kind: 'number' });
  });
  it('turns the fields into the op arguments, or says what is wrong', () => {
    expect(argsOf(form, { flags: 'READ,WRITE', vaddr: '0x7f0000000000', size: '2M' })).toEqual({
      flags: ['READ', 'WRITE'],
      vaddr: '0x7f0000000000',
      size: '0x200000',
    });
    expect(argsOf(form, { flags: '', vaddr: 'zzz', size: '1' })).toMatch(/vaddr: "zzz" is not a number/);
    expect(argsOf(form, { flags: '', vaddr: '0x0', size: '' })).toBe('size is required');
  });
});
