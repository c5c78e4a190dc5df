import type { MessageEvent, NotifyLevel } from './chat-types.js';

/** A stored upload's facts (its bytes are in a BlobStore under the same id). */
export interface StoredFile {
  id: string;
  roomId: string;
  uploaderId: string;
  name: string;
  type: string;
  size: number;
  width: number | null;
  height: number | null;
  /** The message it is attached to; null until attached. */
  seq: number | null;
  createdAt: number;
}

export interface SearchPage {
  /** Only this room; every room of the user when absent. */
  roomId?: string;
  offset: number;
  limit: number;
}

/**
 * Chat features beside the log: uploaded files' facts, members' notification levels, full-text
 * search (respecting membership), and deleting a room with all of that.
 */
export interface ChatStore {
  addFile(file: StoredFile): Promise<void>;
  getFile(id: string): Promise<StoredFile | undefined>;
  /** Attach an unattached file to a message; false when it was attached already (or is gone). */
  attachFile(id: string, seq: number): Promise<boolean>;
  deleteFile(id: string): Promise<void>;
  /** Ids of files never attached to a message and uploaded before `before`, oldest first. */
  staleUploads(before: number, limit: number): Promise<string[]>;
  /** Ids of every file of a room (to delete their bytes). */
  filesOfRoom(roomId: string): Promise<string[]>;

  setNotify(roomId: string, userId: string, level: NotifyLevel): Promise<void>;
  getNotify(roomId: string, userId: string): Promise<NotifyLevel | undefined>;

  /**
   * Messages (not deleted) of the named rooms `userId` is a member of whose text matches every
   * word of `query` (the last word also as a prefix), newest first; `more` when a next page exists.
   */
  search(
    userId: string,
    query: string,
    page: SearchPage,
  ): Promise<{ messages: MessageEvent[]; more: boolean }>;

  /** Delete a named room with its members, log, index, settings, invites and file rows, in one transaction. */
  deleteRoom(roomId: string): Promise<void>;
}
