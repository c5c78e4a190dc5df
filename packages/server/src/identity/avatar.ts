import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * Deterministic identicon-style avatars. The user id only ever feeds SHA-256,
 * so nothing user-controlled reaches the SVG/PNG output.
 */

// Bump whenever the picture for a given id changes, so cached copies (ETags)
// are invalidated.
export const AVATAR_ALGORITHM_VERSION = 1;
export const AVATAR_GRID_SIZE = 5;
export const AVATAR_DEFAULT_SIZE = 120;
export const AVATAR_MIN_SIZE = 16;
export const AVATAR_MAX_SIZE = 512;

export type Rgb = [r: number, g: number, b: number];
export type AvatarFormat = 'svg' | 'png';

export interface AvatarGrid {
  cells: boolean[][];
  fg: Rgb;
  bg: Rgb;
}

export interface AvatarLayout {
  /** Output width and height in pixels, after clamping. */
  size: number;
  /** Pixels per grid cell. */
  scale: number;
  /** Margin in pixels before the first cell, on both axes. */
  offset: number;
}

const BACKGROUND: Rgb = [240, 240, 240];

function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = h / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r1, g1, b1] =
    hp < 1
      ? [c, x, 0]
      : hp < 2
        ? [x, c, 0]
        : hp < 3
          ? [0, c, x]
          : hp < 4
            ? [0, x, c]
            : hp < 5
              ? [x, 0, c]
              : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r1 + m) * 255), Math.round((g1 + m) * 255), Math.round((b1 + m) * 255)];
}

const MAX_FG_LUMA = 165;

function luma([r, g, b]: Rgb): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function byteAt(buf: Buffer, i: number): number {
  // Indices are constants well inside a 32-byte digest; the fallback only
  // satisfies noUncheckedIndexedAccess.
  return buf[i] ?? 0;
}

export function avatarGrid(userId: string): AvatarGrid {
  const digest = createHash('sha256').update(userId, 'utf8').digest();
  const half = Math.ceil(AVATAR_GRID_SIZE / 2);
  const cells: boolean[][] = [];
  let lit = 0;
  for (let r = 0; r < AVATAR_GRID_SIZE; r++) {
    const row = new Array<boolean>(AVATAR_GRID_SIZE).fill(false);
    for (let c = 0; c < half; c++) {
      const on = (byteAt(digest, r * half + c) & 1) === 1;
      row[c] = on;
      row[AVATAR_GRID_SIZE - 1 - c] = on;
      if (on) lit++;
    }
    cells.push(row);
  }
  if (lit === 0) {
    // A blank tile (1 in 2^15 ids) reads as a broken image; light the centre.
    const mid = Math.floor(AVATAR_GRID_SIZE / 2);
    const row = cells[mid];
    if (row) row[mid] = true;
  }
  // Bytes 16+ are disjoint from the cell bytes so colour and shape vary independently.
  const hue = ((byteAt(digest, 16) << 8) | byteAt(digest, 17)) % 360;
  const saturation = 0.45 + (byteAt(digest, 18) / 255) * 0.25;
  let lightness = 0.42 + (byteAt(digest, 19) / 255) * 0.16;
  let fg = hslToRgb(hue, saturation, lightness);
  // Equal HSL lightness is not equal perceived brightness: yellows and greens
  // would wash out against the light background, so darken them until they contrast.
  while (luma(fg) > MAX_FG_LUMA && lightness > 0.2) {
    lightness -= 0.02;
    fg = hslToRgb(hue, saturation, lightness);
  }
  return { cells, fg, bg: [...BACKGROUND] };
}

export function clampAvatarSize(size: number = AVATAR_DEFAULT_SIZE): number {
  if (!Number.isFinite(size)) return AVATAR_DEFAULT_SIZE;
  return Math.min(AVATAR_MAX_SIZE, Math.max(AVATAR_MIN_SIZE, Math.round(size)));
}

export function avatarLayout(size?: number): AvatarLayout {
  const px = clampAvatarSize(size);
  // Half a cell of padding on each side, like GitHub identicons; integer cells
  // keep edges crisp, and the leftover pixels are split between the margins.
  const scale = Math.floor(px / (AVATAR_GRID_SIZE + 1));
  const offset = Math.floor((px - scale * AVATAR_GRID_SIZE) / 2);
  return { size: px, scale, offset };
}

function hex([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

export function renderAvatarSvg(userId: string): string {
  const { cells, fg, bg } = avatarGrid(userId);
  // 2 units per cell and 1 unit of padding keeps every coordinate an integer.
  const units = AVATAR_GRID_SIZE * 2 + 2;
  const rects: string[] = [];
  cells.forEach((row, r) => {
    let c = 0;
    while (c < row.length) {
      if (!row[c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < row.length && row[c]) c++;
      rects.push(`<rect x="${1 + start * 2}" y="${1 + r * 2}" width="${(c - start) * 2}" height="2"/>`);
    }
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${units} ${units}" ` +
    `width="${AVATAR_DEFAULT_SIZE}" height="${AVATAR_DEFAULT_SIZE}" shape-rendering="crispEdges">` +
    `<rect width="${units}" height="${units}" fill="${hex(bg)}"/>` +
    `<g fill="${hex(fg)}">${rects.join('')}</g>` +
    `</svg>`
  );
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bufs: Buffer[]): number {
  let crc = 0xffffffff;
  for (const buf of bufs) {
    for (let i = 0; i < buf.length; i++) {
      crc = (CRC_TABLE[(crc ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const typeBytes = head.subarray(4, 8);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([typeBytes, data]), 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function renderAvatarPng(userId: string, size?: number): Buffer {
  const { cells, fg, bg } = avatarGrid(userId);
  const { size: px, scale, offset } = avatarLayout(size);
  const stride = 1 + px * 3;

  const background = Buffer.alloc(stride);
  for (let x = 0; x < px; x++) background.set(bg, 1 + x * 3);

  // Every scanline within a grid row is identical, so build each once and copy.
  const raw = Buffer.alloc(stride * px);
  for (let y = 0; y < px; y++) background.copy(raw, y * stride);
  cells.forEach((row, r) => {
    const line = Buffer.from(background);
    row.forEach((on, c) => {
      if (!on) return;
      for (let x = offset + c * scale; x < offset + (c + 1) * scale; x++) line.set(fg, 1 + x * 3);
    });
    for (let y = offset + r * scale; y < offset + (r + 1) * scale; y++) line.copy(raw, y * stride);
  });

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(px, 0);
  ihdr.writeUInt32BE(px, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method: adaptive (each row starts with filter type 0 = None)
  ihdr[12] = 0; // no interlace

  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Strong ETag for an avatar representation. PNG size is folded in because
 * different sizes are different bytes; the version makes any change to the
 * algorithm invalidate caches.
 */
export function avatarEtag(userId: string, format: AvatarFormat, size?: number): string {
  const variant = format === 'png' ? `png:${clampAvatarSize(size)}` : 'svg';
  const digest = createHash('sha256')
    .update(`presence-avatar\0v${AVATAR_ALGORITHM_VERSION}\0${variant}\0`, 'utf8')
    .update(userId, 'utf8')
    .digest('base64url')
    .slice(0, 27);
  return `"av${AVATAR_ALGORITHM_VERSION}-${format}-${digest}"`;
}
