import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import {
  AVATAR_GRID_SIZE,
  avatarEtag,
  avatarGrid,
  avatarLayout,
  renderAvatarPng,
  renderAvatarSvg,
} from '../../src/identity/avatar.js';

const ids = Array.from({ length: 300 }, (_, i) => `user-${i}`);

// Bitwise CRC-32, deliberately independent of the table-driven one under test.
function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface DecodedPng {
  width: number;
  height: number;
  ihdr: Buffer;
  pixels: Buffer;
  chunkTypes: string[];
}

function decodePng(png: Buffer): DecodedPng {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let pos = 8;
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('ascii', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    const crc = png.readUInt32BE(pos + 8 + len);
    assert.equal(crc, crc32(png.subarray(pos + 4, pos + 8 + len)), `bad CRC on ${type}`);
    chunkTypes.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  assert.equal(pos, png.length, 'trailing bytes after last chunk');
  assert.ok(ihdr);
  return {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    ihdr,
    pixels: inflateSync(Buffer.concat(idat)),
    chunkTypes,
  };
}

test('same id gives byte-identical PNG and SVG', () => {
  for (const id of ['alice', 'bob', '', 'ünïcødé 🦊', 'x'.repeat(1000)]) {
    assert.ok(renderAvatarPng(id).equals(renderAvatarPng(id)));
    assert.ok(renderAvatarPng(id, 64).equals(renderAvatarPng(id, 64)));
    assert.equal(renderAvatarSvg(id), renderAvatarSvg(id));
    assert.deepEqual(avatarGrid(id), avatarGrid(id));
  }
});

test('different ids give many distinct pictures', () => {
  const grids = new Set(ids.map((id) => JSON.stringify(avatarGrid(id).cells)));
  const colours = new Set(ids.map((id) => avatarGrid(id).fg.join(',')));
  const pictures = new Set(ids.map((id) => JSON.stringify(avatarGrid(id))));
  assert.ok(grids.size >= 290, `only ${grids.size} distinct grids out of ${ids.length}`);
  assert.ok(colours.size >= 200, `only ${colours.size} distinct colours`);
  assert.equal(pictures.size, ids.length);
  assert.notEqual(renderAvatarSvg('alice'), renderAvatarSvg('bob'));
  assert.ok(!renderAvatarPng('alice').equals(renderAvatarPng('bob')));
});

test('every grid is square, mirror-symmetric and not blank', () => {
  for (const id of ids) {
    const { cells } = avatarGrid(id);
    assert.equal(cells.length, AVATAR_GRID_SIZE);
    for (const row of cells) {
      assert.equal(row.length, AVATAR_GRID_SIZE);
      assert.deepEqual(row, [...row].reverse(), `row not symmetric for ${id}`);
    }
    assert.ok(cells.flat().some(Boolean), `blank grid for ${id}`);
  }
});

test('colours are valid, visible on the background', () => {
  for (const id of ids) {
    const { fg, bg } = avatarGrid(id);
    for (const v of [...fg, ...bg]) assert.ok(Number.isInteger(v) && v >= 0 && v <= 255);
    const luma = (c: number[]) => 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
    assert.ok(luma(bg) > 200, 'background should be light');
    assert.ok(luma(bg) - luma(fg) > 40, `foreground ${fg.join(',')} too close to background for ${id}`);
  }
});

test('PNG has a valid signature, IHDR and pixel data matching the grid', () => {
  for (const [id, size] of [
    ['alice', undefined],
    ['bob', 16],
    ['carol', 100],
    ['dave', 512],
    ['erin', 77],
  ] as const) {
    const { cells, fg, bg } = avatarGrid(id);
    const { size: px, scale, offset } = avatarLayout(size);
    const png = decodePng(renderAvatarPng(id, size));
    assert.deepEqual(png.chunkTypes[0], 'IHDR');
    assert.deepEqual(png.chunkTypes.at(-1), 'IEND');
    assert.equal(png.width, px);
    assert.equal(png.height, px);
    assert.deepEqual([...png.ihdr.subarray(8)], [8, 2, 0, 0, 0], 'bit depth 8, truecolour, no interlace');

    const stride = 1 + px * 3;
    assert.equal(png.pixels.length, stride * px);
    let fgCount = 0;
    for (let y = 0; y < px; y++) {
      assert.equal(png.pixels[y * stride], 0, `filter byte of row ${y}`);
      for (let x = 0; x < px; x++) {
        const p = y * stride + 1 + x * 3;
        const rgb = [png.pixels[p], png.pixels[p + 1], png.pixels[p + 2]];
        const cx = Math.floor((x - offset) / scale);
        const cy = Math.floor((y - offset) / scale);
        const inGrid = x >= offset && y >= offset && cx < AVATAR_GRID_SIZE && cy < AVATAR_GRID_SIZE;
        const expectFg = inGrid && cells[cy]?.[cx] === true;
        assert.deepEqual(rgb, expectFg ? fg : bg, `pixel ${x},${y} of ${id}@${px}`);
        if (expectFg) fgCount++;
      }
    }
    const litCells = cells.flat().filter(Boolean).length;
    assert.equal(fgCount, litCells * scale * scale);
  }
});

test('PNG size defaults to 120 and is clamped to 16..512', () => {
  assert.equal(decodePng(renderAvatarPng('a')).width, 120);
  assert.equal(decodePng(renderAvatarPng('a', 1)).width, 16);
  assert.equal(decodePng(renderAvatarPng('a', -50)).width, 16);
  assert.equal(decodePng(renderAvatarPng('a', 4096)).width, 512);
  assert.equal(decodePng(renderAvatarPng('a', Number.NaN)).width, 120);
  assert.equal(decodePng(renderAvatarPng('a', 63.6)).width, 64);
});

test('SVG is self-contained and crisp', () => {
  for (const id of ['alice', '"><script>alert(1)</script>', '<svg onload=alert(1)>', ...ids.slice(0, 50)]) {
    const svg = renderAvatarSvg(id);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    assert.match(svg, /<\/svg>$/);
    assert.match(svg, /viewBox="0 0 \d+ \d+"/);
    assert.match(svg, /shape-rendering="crispEdges"/);
    assert.doesNotMatch(svg, /<script/i);
    assert.doesNotMatch(svg, /href/i);
    assert.doesNotMatch(svg, /\son\w+=/i);
    assert.doesNotMatch(svg, /url\(|<image|<foreignObject|<style/i);
    // Only the fixed vocabulary of elements, well nested.
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      const [, close, name = '', selfClose] = m;
      assert.ok(['svg', 'rect', 'g'].includes(name), `unexpected <${name}>`);
      if (close) assert.equal(stack.pop(), name);
      else if (!selfClose) stack.push(name);
    }
    assert.equal(stack.length, 0);
    assert.equal(svg.replace(/<[^>]*>/g, ''), '', 'no stray text content');
  }
});

test('SVG rects cover exactly the lit cells', () => {
  for (const id of ids.slice(0, 50)) {
    const { cells } = avatarGrid(id);
    const lit = new Set<string>();
    const body = renderAvatarSvg(id).replace(/^.*?<g [^>]*>/, '');
    for (const m of body.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="2"\/>/g)) {
      const x = Number(m[1]);
      const y = Number(m[2]);
      const w = Number(m[3]);
      for (let cx = (x - 1) / 2; cx < (x - 1 + w) / 2; cx++) lit.add(`${(y - 1) / 2},${cx}`);
    }
    const expected = new Set<string>();
    cells.forEach((row, r) => row.forEach((on, c) => on && expected.add(`${r},${c}`)));
    assert.deepEqual(lit, expected);
  }
});

test('ETags are strong, quoted, stable and vary by id, format and PNG size', () => {
  const e = avatarEtag('alice', 'png');
  assert.match(e, /^"[A-Za-z0-9_-]+"$/);
  assert.doesNotMatch(e, /^W\//);
  assert.equal(avatarEtag('alice', 'png'), e);
  assert.equal(avatarEtag('alice', 'png', 120), e, 'default size is 120');
  assert.notEqual(avatarEtag('alice', 'svg'), e);
  assert.notEqual(avatarEtag('bob', 'png'), e);
  assert.notEqual(avatarEtag('alice', 'png', 64), e);
  assert.equal(
    avatarEtag('alice', 'png', 9999),
    avatarEtag('alice', 'png', 512),
    'clamped sizes share a tag',
  );
  assert.ok(!avatarEtag('"><x', 'svg').includes('<'), 'id never leaks into the tag');
  const tags = new Set(ids.map((id) => avatarEtag(id, 'svg')));
  assert.equal(tags.size, ids.length);
});
