import { CHAT_LIMITS, PresenceError, type FileRef } from '@presence/protocol';
import type { BlobStore } from '../store/blob-store.js';
import type { ChatStore, StoredFile } from '../store/chat-store.js';
import type { Actor } from '../shared/actor.js';
import { randomId } from '../shared/random-id.js';
import { sniff } from './file-sniff.js';

export interface FileLimits {
  /** Largest upload in bytes (FILE_TOO_LARGE). */
  maxUploadBytes: number;
  /** An upload never attached to a message is deleted this long after it came. */
  orphanUploadGraceMs?: number;
}

/** Uploads deleted per sweep at most (the next sweep takes the rest). */
const SWEEP_BATCH = 500;

/** Whether a user is a member of a room now (in a cluster, asked at the room's home). */
export type MembershipCheck = (roomId: string, userId: string) => Promise<boolean>;

function toRef(f: StoredFile): FileRef {
  return {
    id: f.id,
    name: f.name,
    type: f.type,
    size: f.size,
    ...(f.width !== null ? { w: f.width } : {}),
    ...(f.height !== null ? { h: f.height } : {}),
  };
}

/** A file name as shown: its last path segment, no control characters, bounded. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = Array.from(base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim())
    .slice(0, CHAT_LIMITS.fileName)
    .join('');
  return clean || 'file';
}

/**
 * Files in rooms: upload (members only, size-limited, type sniffed), attach to one message of the
 * uploader's, read (members only), delete with the message or the room. Facts live in the store,
 * bytes in the BlobStore.
 */
export class FileService {
  readonly #store: ChatStore;
  readonly #blobs: BlobStore;
  readonly #limits: FileLimits;
  readonly #isMember: MembershipCheck;

  constructor(deps: { store: ChatStore; blobs: BlobStore; limits: FileLimits; isMember: MembershipCheck }) {
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#limits = deps.limits;
    this.#isMember = deps.isMember;
  }

  get maxUploadBytes(): number {
    return this.#limits.maxUploadBytes;
  }

  async upload(userId: string, roomId: string, name: string, data: Buffer): Promise<FileRef> {
    if (!(await this.#isMember(roomId, userId))) throw new PresenceError('NOT_IN_ROOM');
    if (data.length > this.#limits.maxUploadBytes) {
      throw new PresenceError('FILE_TOO_LARGE', `Files are limited to ${this.#limits.maxUploadBytes} bytes.`);
    }
    if (data.length === 0) throw new PresenceError('INVALID_MESSAGE', 'The file is empty.');
    const kind = sniff(data);
    const file: StoredFile = {
      id: randomId(22),
      roomId,
      uploaderId: userId,
      name: cleanFileName(name),
      type: kind.type,
      size: data.length,
      width: kind.width ?? null,
      height: kind.height ?? null,
      seq: null,
      createdAt: Date.now(),
    };
    // Bytes first: a row never points at a blob that is not there.
    await this.#blobs.put(file.id, data);
    await this.#store.addFile(file);
    return toRef(file);
  }

  /** The file as a message may carry it: uploaded by this user to this room and not attached yet. */
  async attachable(actor: Actor, roomId: string, id: string): Promise<FileRef> {
    const file = await this.#store.getFile(id);
    if (!file || file.roomId !== roomId || file.uploaderId !== actor.user.id || file.seq !== null) {
      throw new PresenceError('FILE_NOT_FOUND');
    }
    return toRef(file);
  }

  async attached(id: string, seq: number): Promise<void> {
    await this.#store.attachFile(id, seq);
  }

  /** The file and its bytes for a member of its room; FILE_NOT_FOUND for everybody else. */
  async read(userId: string, id: string): Promise<{ file: FileRef; data: Buffer }> {
    const file = /^[A-Za-z0-9_-]{8,64}$/.test(id) ? await this.#store.getFile(id) : undefined;
    // The same answer whether the file does not exist or is in a room the reader is not in.
    if (!file || !(await this.#isMember(file.roomId, userId))) throw new PresenceError('FILE_NOT_FOUND');
    const data = await this.#blobs.get(id);
    if (!data) throw new PresenceError('FILE_NOT_FOUND');
    return { file: toRef(file), data };
  }

  async remove(id: string): Promise<void> {
    await this.#store.deleteFile(id);
    await this.#blobs.delete(id);
  }

  /** Delete the bytes of every file of a room (its rows go with the room). */
  async removeRoom(roomId: string): Promise<void> {
    for (const id of await this.#store.filesOfRoom(roomId)) await this.#blobs.delete(id);
  }

  /**
   * An unnamed room was purged (nobody left in it): its files go, rows and bytes (a named room's
   * rows go with room.delete; an unnamed room has no row to cascade from).
   */
  async removePurgedRoom(roomId: string): Promise<void> {
    for (const id of await this.#store.filesOfRoom(roomId)) await this.remove(id);
  }

  /**
   * Delete uploads never attached to a message within the grace period (an upload whose message
   * was never sent), oldest first, at most SWEEP_BATCH per call. Resolves with how many went.
   */
  async sweepOrphans(now = Date.now()): Promise<number> {
    const grace = this.#limits.orphanUploadGraceMs ?? 60 * 60_000;
    const ids = await this.#store.staleUploads(now - grace, SWEEP_BATCH);
    for (const id of ids) await this.remove(id);
    return ids.length;
  }
}
