// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BlobStore } from '../../../src/store/blob-store.js';
import { DirBlobStore } from '../../../src/store/dir-blob-store.js';
import { onEveryBackend } from './backends.js';

/** The BlobStore contract: every implementation must pass all of it. */
async function contract(blobs: BlobStore): Promise<void> {
  assert.equal(await blobs.get('AAAAAAAAAAAA'), undefined);
  const bytes = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]);
  await blobs.put('AAAAAAAAAAAA', bytes);
  assert.deepEqual(await blobs.get('AAAAAAAAAAAA'), bytes);
  // A second put replaces the bytes.
  await blobs.put('AAAAAAAAAAAA', Buffer.from('second'));
  assert.equal((await blobs.get('AAAAAAAAAAAA'))?.toString(), 'second');
  const big = Buffer.alloc(3 * 1024 * 1024, 0xab);
  await blobs.put('BBBBBBBBBBBB', big);
  assert.ok((await blobs.get('BBBBBBBBBBBB'))?.equals(big));
  await blobs.delete('AAAAAAAAAAAA');
  assert.equal(await blobs.get('AAAAAAAAAAAA'), undefined);
  // Deleting what is not there is no error.
  await blobs.delete('AAAAAAAAAAAA');
  assert.ok((await blobs.get('BBBBBBBBBBBB'))?.equals(big));
  // Ids are the server's own: nothing a path could be built from.
  for (const bad of ['../../etc/passwd', 'short', 'a/b/c/d/e/f/g', '']) {
    await assert.rejects(blobs.put(bad, bytes));
    await assert.rejects(blobs.get(bad));
  }
}

test('dir: the BlobStore contract, and no temporary files left behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-blobs-'));
  try {
    await contract(new DirBlobStore(join(dir, 'files')));
    assert.deepEqual((await readdir(join(dir, 'files'))).sort(), ['BBBBBBBBBBBB']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

onEveryBackend((_kind, it) => {
  it('database: the BlobStore contract', async (store) => {
    await contract(store.blobs);
  });
});
