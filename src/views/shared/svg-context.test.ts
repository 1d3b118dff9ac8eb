import { describe, expect, it } from 'vitest';
import { SvgContext } from './svg-context';

describe('SvgContext', () => {
  it('writes what a canvas would draw, with save/restore and translation as on a canvas', () => {
    const c = new SvgContext(200, 100);
    c.fillStyle = '#123456';
    c.save();
    c.globalAlpha = 0.5;
    c.translate(10, 20);
    c.fillRect(1, 2, 3, 4);
    c.setLineDash([4, 3]);
    c.strokeStyle = 'red';
    c.beginPath();
    c.moveTo(0, 0);
    c.lineTo(5, 5);
    c.stroke();
    c.restore();
    c.fillRect(0, 0, 1, 1);
    c.font = '600 12px Inter, sans-serif';
    c.textBaseline = 'top';
    c.fillText('a < b & "c"', 2, 3);
    const svg = c.toSvg('#fff', 'T & U');
    expect(svg).toContain('<rect x="11" y="22" width="3" height="4" fill="#123456" fill-opacity="0.5"/>');
    expect(svg).toContain(
      '<path d="M10 20L15 25" fill="none" stroke="red" stroke-width="1" stroke-opacity="0.5" stroke-dasharray="4 3"/>',
    );
    // After restore: no alpha, no translation.
    expect(svg).toContain('<rect x="0" y="0" width="1" height="1" fill="#123456"/>');
    expect(svg).toContain(
      '<text x="2" y="3" dominant-baseline="hanging" font-size="12" font-family="Inter, sans-serif" font-weight="600" fill="#123456">a &lt; b &amp; &quot;c&quot;</text>',
    );
    expect(svg).toContain('<title>T &amp; U</title>');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="200" height="100"/);
  });
});
