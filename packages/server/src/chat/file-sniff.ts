/**
 * What a file is, from its first bytes, never from the name or the uploader's word. Only raster
 * images the browser shows inline get an image type (with their pixel size when the header says);
 * everything else is `application/octet-stream`, and is only ever offered as a download.
 */
export interface Sniffed {
  type: string;
  width?: number;
  height?: number;
}

export const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function startsWith(data: Buffer, bytes: number[], at = 0): boolean {
  if (data.length < at + bytes.length) return false;
  return bytes.every((b, i) => data[at + i] === b);
}

function size(width: number, height: number): { width?: number; height?: number } {
  return width > 0 && height > 0 && width < 100_000 && height < 100_000 ? { width, height } : {};
}

/** JPEG: walk the segments to the first start-of-frame marker, which holds the size. */
function jpegSize(data: Buffer): { width?: number; height?: number } {
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return {};
    const marker = data[i + 1] ?? 0;
    const length = data.readUInt16BE(i + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) return size(data.readUInt16BE(i + 7), data.readUInt16BE(i + 5));
    i += 2 + length;
  }
  return {};
}

function webpSize(data: Buffer): { width?: number; height?: number } {
  if (data.length < 30) return {};
  const chunk = data.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return size(1 + data.readUIntLE(24, 3), 1 + data.readUIntLE(27, 3));
  if (chunk === 'VP8 ') return size(data.readUInt16LE(26) & 0x3fff, data.readUInt16LE(28) & 0x3fff);
  if (chunk === 'VP8L') {
    const b = data.readUInt32LE(21);
    return size((b & 0x3fff) + 1, ((b >> 14) & 0x3fff) + 1);
  }
  return {};
}

export function sniff(data: Buffer): Sniffed {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return {
      type: 'image/png',
      ...(data.length >= 24 ? size(data.readUInt32BE(16), data.readUInt32BE(20)) : {}),
    };
  }
  if (startsWith(data, [0xff, 0xd8, 0xff])) return { type: 'image/jpeg', ...jpegSize(data) };
  if (startsWith(data, [0x47, 0x49, 0x46, 0x38])) {
    return {
      type: 'image/gif',
      ...(data.length >= 10 ? size(data.readUInt16LE(6), data.readUInt16LE(8)) : {}),
    };
  }
  if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8)) {
    return { type: 'image/webp', ...webpSize(data) };
  }
  if (startsWith(data, [0x25, 0x50, 0x44, 0x46, 0x2d])) return { type: 'application/pdf' };
  return { type: 'application/octet-stream' };
}
