import { PresenceError } from '@presence/protocol';
import type { RoomLog } from '../rooms/room-log.js';
import { authorize, requireMember } from '../rooms/room-policy.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { Actor } from '../shared/actor.js';
import type { Store } from '../store/store.js';
import type { FileService } from './file-service.js';

/**
 * Deleting a room for good, by its owner: everyone in it is told (`room.deleted`, which takes each
 * session out of it), then its files, recordings, history, members, invites and settings are deleted.
 */
export class RoomDeletion {
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #store: Store;
  readonly #files: FileService | undefined;
  readonly #recordings: { removeRoom(roomId: string): Promise<void> } | undefined;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    store: Store;
    files?: FileService;
    /** The room's call recordings (entries and files). */
    recordings?: { removeRoom(roomId: string): Promise<void> };
  }) {
    this.#recordings = deps.recordings;
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#files = deps.files;
  }

  async delete(actor: Actor, roomId: string): Promise<void> {
    const room = await this.#registry.require(roomId);
    authorize('room.delete', { role: requireMember(room, actor).role, room });
    await room.queue.run(async () => {
      if (this.#registry.loaded(room.id) !== room) throw new PresenceError('ROOM_NOT_FOUND');
      await this.#log.transient(room, { type: 'room.deleted', room: room.id, by: actor.user });
      await this.#files?.removeRoom(room.id);
      await this.#recordings?.removeRoom(room.id);
      if (room.persistent) await this.#store.chat.deleteRoom(room.id);
      // Emptied, the room unloads like any room nobody is in (an unnamed one is purged with its
      // invites); the named one has no row left to load again.
      for (const userId of [...room.members.keys()]) room.members.delete(userId);
      await this.#registry.unload(room);
    });
  }
}
