import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanFileName } from '../../src/chat/file-service.js';
import { sniff } from '../../src/chat/file-sniff.js';

test('raster images are recognised by their bytes, with their pixel size', () => {
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.from('IHDR'),
    Buffer.from([0, 0, 1, 0, 0, 0, 0, 200]),
  ]);
  assert.deepEqual(sniff(png), { type: 'image/png', width: 256, height: 200 });
  const gif = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 10, 0, 20, 0, 0]);
  assert.deepEqual(sniff(gif), { type: 'image/gif', width: 10, height: 20 });
  // JPEG: SOI, an APP0 segment, then SOF0 with height 0x0102 and width 0x0304.
  const jpeg = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x01, 0x02, 0x03, 0x04, 3, 0, 0, 0, 0,
  ]);
  assert.deepEqual(sniff(jpeg), { type: 'image/jpeg', width: 0x0304, height: 0x0102 });
});

test('what claims to be something else is only bytes: HTML, SVG and scripts are never images', () => {
  for (const text of [
    '<html><script>alert(1)</script>',
    '<svg xmlns="http://www.w3.org/2000/svg"/>',
    '#!/bin/sh',
  ]) {
    assert.equal(sniff(Buffer.from(text)).type, 'application/octet-stream');
  }
  assert.equal(sniff(Buffer.from('%PDF-1.7')).type, 'application/pdf');
  assert.equal(sniff(Buffer.alloc(0)).type, 'application/octet-stream');
});

test('file names keep their last segment, lose control characters, and are never empty', () => {
  assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
  assert.equal(cleanFileName('C:\\Users\\me\\cat.png'), 'cat.png');
  assert.equal(cleanFileName('a\u202eb\u0000c.txt'), 'abc.txt');
  assert.equal(cleanFileName(''), 'file');
});
