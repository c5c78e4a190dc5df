/**
 * Durable social data for presence (`store.social`): the presence list (contacts with groups),
 * pending requests, blocks, the important group, direct messages kept for offline recipients, and
 * tokens of socketless devices. One Kysely implementation serves SQLite and PostgreSQL.
 */
export interface SocialStore {
  /**
   * Record `from`'s request to `to`. If `to` already asked `from`, both become contacts at once
   * (auto-accept) and the result says 'accepted'. Idempotent for a repeated request.
   */
  requestContact(
    from: ContactParty,
    to: ContactParty,
    message: string | null,
    now: number,
  ): Promise<'pending' | 'accepted'>;
  /** `owner` accepts `requester`'s pending request; false when there is none. */
  acceptContact(owner: string, requester: string, now: number): Promise<boolean>;
  /** Delete a pending request from `from` to `to` (deny by `to`, cancel by `from`); false when none. */
  deletePending(from: string, to: string): Promise<boolean>;
  /** End a contact both ways; false when they were not contacts. */
  removeContact(a: string, b: string): Promise<boolean>;
  /** Both directions exist (accepted). */
  areContacts(a: string, b: string): Promise<boolean>;
  listContacts(owner: string): Promise<StoredContact[]>;
  /** Ids of `owner`'s accepted contacts (hot path for presence visibility). */
  contactIds(owner: string): Promise<string[]>;
  listPending(owner: string): Promise<{ incoming: StoredPending[]; outgoing: StoredPending[] }>;
  setGroups(owner: string, contact: string, groups: string[]): Promise<boolean>;
  setImportantGroup(owner: string, group: string | null): Promise<void>;
  getImportantGroup(owner: string): Promise<string | null>;
  /**
   * Block `blocked` and, in the same transaction, end the contact both ways and drop `owner`'s own
   * pending request to them (a pending request *from* them stays, so the block is not revealed by
   * their outgoing list changing). Returns true when a contact was ended.
   */
  block(owner: string, blocked: string, now: number): Promise<boolean>;
  unblock(owner: string, blocked: string): Promise<void>;
  /** True when `owner` blocked `other`. */
  isBlocked(owner: string, other: string): Promise<boolean>;
  listBlocked(owner: string): Promise<string[]>;
  /**
   * Keep a DM for a recipient who is away; delivered and deleted by takeOfflineMessages. At most
   * MAX_KEPT_PER_RECIPIENT are kept per recipient: past that it rejects with KeptMessagesFullError.
   */
  queueMessage(message: StoredDirectMessage): Promise<void>;
  /** The recipient's kept messages, oldest first, removed from the store in the same transaction. */
  takeOfflineMessages(to: string, limit: number): Promise<StoredDirectMessage[]>;
  createDeviceToken(token: StoredDeviceToken): Promise<void>;
  findDeviceToken(tokenHash: string): Promise<StoredDeviceToken | undefined>;
  /**
   * A direct message from `from` to `to` at `ts` was accepted (delivered or kept): both users'
   * conversation rows move to `ts`, and the recipient's unread count goes up by one. `to` without
   * a name (not known to the caller) keeps the name the sender's row already has, or takes `fallback`.
   * Each user keeps at most MAX_CONVERSATIONS rows: the least recent go first.
   */
  noteDirectMessage(from: ContactParty, to: ContactParty & { known: boolean }, ts: number): Promise<void>;
  /** `owner`'s conversations, most recent first. */
  listConversations(owner: string, limit: number): Promise<StoredConversation[]>;
  /** Mark `owner`'s conversation with `peer` read; false when there was nothing unread (or no row). */
  readConversation(owner: string, peer: string): Promise<boolean>;
}

/** Conversations kept per user (the least recent are forgotten past it). */
export const MAX_CONVERSATIONS = 500;

/** One user's direct-message conversation with another: metadata only, never the text. */
export interface StoredConversation {
  peerId: string;
  peerName: string;
  peerAvatar: string;
  lastTs: number;
  /** The peer wrote the last message (not the owner). */
  lastFromPeer: boolean;
  unread: number;
}

/** A party to a contact request: the store keeps each side's name and avatar as last known. */
export interface ContactParty {
  id: string;
  name: string;
  avatar: string;
}

/**
 * Kept direct messages per recipient. Bounded so that a recipient who never returns (or a sender
 * who keeps writing) cannot grow the table without limit; 1,000 is far beyond a normal backlog.
 */
export const MAX_KEPT_PER_RECIPIENT = 1_000;

/** queueMessage refused: the recipient already has MAX_KEPT_PER_RECIPIENT messages waiting. */
export class KeptMessagesFullError extends Error {
  constructor(readonly recipient: string) {
    super(`${recipient} already has ${MAX_KEPT_PER_RECIPIENT} direct messages waiting`);
    this.name = 'KeptMessagesFullError';
  }
}

export interface StoredContact {
  contactId: string;
  /** Display name and avatar of the contact as last known (for lists without a lookup). */
  name: string;
  avatar: string;
  groups: string[];
  since: number;
}

export interface StoredPending {
  /** The other party: the requester for incoming, the target for outgoing. */
  userId: string;
  name: string;
  avatar: string;
  message: string | null;
  at: number;
}

export interface StoredDirectMessage {
  id: string;
  from: string;
  to: string;
  /** The `dm` event as JSON, delivered verbatim (with offline: true). */
  payload: string;
  createdAt: number;
}

export interface StoredDeviceToken {
  /** SHA-256 of the token; the token itself is shown once. */
  tokenHash: string;
  userId: string;
  name: string;
  device: string;
  createdAt: number;
}
