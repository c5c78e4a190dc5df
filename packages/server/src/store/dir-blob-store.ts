import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBlobId, type BlobStore } from './blob-store.js';
import { randomBytes } from 'node:crypto';

/**
 * Blobs as files in one directory (default `<dataDir>/files`). A put writes a temporary file and
 * renames it into place, so a reader never sees half a file and a crash leaves no torn blob.
 */
export class DirBlobStore implements BlobStore {
  readonly kind = 'dir' as const;
  readonly #dir: string;
  #made: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async put(id: string, data: Buffer): Promise<void> {
    checkBlobId(id);
    this.#made ??= mkdir(this.#dir, { recursive: true });
    await this.#made;
    const tmp = join(this.#dir, `.${id}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, join(this.#dir, id));
  }

  async get(id: string): Promise<Buffer | undefined> {
    checkBlobId(id);
    try {
      return await readFile(join(this.#dir, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    checkBlobId(id);
    await rm(join(this.#dir, id), { force: true });
  }
}
