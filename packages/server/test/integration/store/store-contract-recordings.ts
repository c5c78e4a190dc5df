import assert from 'node:assert/strict';
import type { StoredRecording } from '../../../src/store/recording-store.js';
import type { StoreTest } from './store-contract.js';

const rec = (
  id: string,
  roomId: string,
  startedAt: number,
  createdAt = startedAt + 10_000,
): StoredRecording => ({
  id,
  roomId,
  startedAt,
  endedAt: startedAt + 5_000,
  byId: 'olive@localhost',
  byName: 'Olive',
  publisherId: 'pat@localhost',
  publisherName: 'Pat',
  file: `${startedAt}-1.webm`,
  type: 'video/webm',
  size: 123_456_789_012,
  durationMs: 4_990,
  streams: 'audio,video',
  createdAt,
});

/** The recordings part of the Store contract (migration 0019): entries, never the bytes. */
export function registerRecordingContract(it: StoreTest): void {
  it('recordings: listed newest first per room, found by id, deleted once', async (store) => {
    await store.recordings.addRecording(rec('a1', 'r1', 1_000));
    await store.recordings.addRecording(rec('a2', 'r1', 3_000));
    await store.recordings.addRecording(rec('b1', 'r2', 2_000));
    const r1 = await store.recordings.listRecordings('r1', 100);
    assert.deepEqual(
      r1.map((r) => r.id),
      ['a2', 'a1'],
    );
    // Sizes past 2^32 and every field survive the round trip.
    assert.deepEqual(await store.recordings.getRecording('a1'), rec('a1', 'r1', 1_000));
    assert.equal((await store.recordings.listRecordings('r1', 1)).length, 1);
    assert.equal(await store.recordings.deleteRecording('a1'), true);
    assert.equal(await store.recordings.deleteRecording('a1'), false);
    assert.equal(await store.recordings.getRecording('a1'), undefined);
  });

  it('recordings: the retention sweep sees old entries; a room takes its own along', async (store) => {
    await store.recordings.addRecording(rec('old', 'r1', 1_000, 5_000));
    await store.recordings.addRecording(rec('new', 'r1', 9_000, 50_000));
    await store.recordings.addRecording(rec('other', 'r2', 1_000, 6_000));
    assert.deepEqual(
      (await store.recordings.recordingsBefore(10_000, 10)).map((r) => r.id),
      ['old', 'other'],
    );
    const gone = await store.recordings.deleteRoomRecordings('r1');
    assert.deepEqual(gone.map((r) => r.id).sort(), ['new', 'old']);
    assert.deepEqual(await store.recordings.listRecordings('r1', 100), []);
    assert.equal((await store.recordings.listRecordings('r2', 100)).length, 1);
  });
}
