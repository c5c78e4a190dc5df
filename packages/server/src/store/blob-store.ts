/**
 * Where uploaded files' bytes live, by id. Two implementations share one contract test: a
 * directory (the default, under dataDir) and the database (the store's `file_blobs` table, which a
 * cluster's nodes share). Ids are the server's own (random, url-safe), never user input.
 */
export interface BlobStore {
  readonly kind: 'dir' | 'database';
  put(id: string, data: Buffer): Promise<void>;
  /** The bytes, or undefined when there is no such blob. */
  get(id: string): Promise<Buffer | undefined>;
  /** Deleting what is not there is no error. */
  delete(id: string): Promise<void>;
}

/** Blob ids: what randomId makes, nothing a path could be built from. */
export const BLOB_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function checkBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}
