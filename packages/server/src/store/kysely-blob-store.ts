import type { Kysely } from 'kysely';
import { checkBlobId, type BlobStore } from './blob-store.js';
import type { Database } from './kysely-schema.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

/** Blobs as rows of `file_blobs` (bytea on PostgreSQL, blob on SQLite). */
export class KyselyBlobStore implements BlobStore {
  readonly kind = 'database' as const;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly run: Run,
  ) {}

  async put(id: string, data: Buffer): Promise<void> {
    checkBlobId(id);
    await this.run(async () => {
      await this.db
        .insertInto('file_blobs')
        .values({ id, data })
        .onConflict((oc) => oc.column('id').doUpdateSet({ data }))
        .execute();
    });
  }

  async get(id: string): Promise<Buffer | undefined> {
    checkBlobId(id);
    return this.run(async () => {
      const r = await this.db.selectFrom('file_blobs').select('data').where('id', '=', id).executeTakeFirst();
      return r ? Buffer.from(r.data) : undefined;
    });
  }

  async delete(id: string): Promise<void> {
    checkBlobId(id);
    await this.run(async () => {
      await this.db.deleteFrom('file_blobs').where('id', '=', id).execute();
    });
  }
}
