import { z } from 'zod';
import { displayName, epoch, roomId, seq, timestamp, userId } from './ids.js';
import { emoji, messageExtras } from './message-extras.js';

export const roomRole = z.enum(['owner', 'admin', 'member', 'guest']);
export type RoomRole = z.infer<typeof roomRole>;

/**
 * Who may join. `public`: listed in the directory, anyone may join. `link`: unlisted, anyone who
 * has the room id (the link) may join, as in Jitsi; the default for new rooms. `private`: unlisted,
 * only members and holders of a valid invite may join.
 */
export const visibility = z.enum(['public', 'link', 'private']);
export type Visibility = z.infer<typeof visibility>;

/** Who did something: enough to render a name and an avatar. */
export const userRef = z.object({
  id: userId,
  name: z.string(),
  /** Relative URL of the user's avatar (a generated pixel avatar unless replaced). */
  avatar: z.string(),
});
export type UserRef = z.infer<typeof userRef>;

export const member = userRef.extend({
  role: roomRole,
  /** True while at least one of the user's sessions is in the room (including the grace period). */
  online: z.boolean(),
});
export type Member = z.infer<typeof member>;

export const roomInfo = z.object({
  id: roomId,
  /** Null while the room is unnamed (ephemeral). */
  name: z.string().nullable(),
  topic: z.string(),
  visibility,
  /** True once the room has been named: history and members are then kept in the store. */
  persistent: z.boolean(),
  epoch,
  /** The seq of the room's latest event (0 when there is none). */
  seq,
  createdAt: timestamp,
  memberCount: z.number().int().nonnegative(),
});
export type RoomInfo = z.infer<typeof roomInfo>;

/** Fields every sequenced room event carries. */
const roomEventBase = z.object({
  room: roomId,
  epoch,
  seq: seq.min(1),
  ts: timestamp,
});

export const messageEvent = roomEventBase.extend({
  type: z.literal('message'),
  from: userRef,
  /** The source text as sent (markdown). */
  text: z.string(),
  /** The text rendered to HTML and sanitized by the server; safe to insert as HTML. */
  html: z.string(),
  /** The sender's idempotency key, echoed so a sender can match its own messages. */
  nonce: z.string().optional(),
  /**
   * When the message was last edited. Events read from the store (history, join snapshots and
   * replays of named rooms) carry the current text; unnamed rooms keep events as they were sent,
   * so clients apply later message.edited / message.deleted events themselves.
   */
  edited: timestamp.optional(),
  /** True once deleted: text and html are then empty. */
  deleted: z.boolean().optional(),
  /** True when the message was deleted by a moderator, not by its author ("removed by a moderator"). */
  removedByModerator: z.boolean().optional(),
  ...messageExtras,
});
export const memberJoinedEvent = roomEventBase.extend({
  type: z.literal('member.joined'),
  user: member,
});
export const memberLeftEvent = roomEventBase.extend({
  type: z.literal('member.left'),
  user: userRef,
  /** left: room.leave; timeout: the session expired (unnamed rooms); removed: by an admin. */
  reason: z.enum(['left', 'timeout', 'removed']),
});
/** A member's role changed. */
export const memberUpdatedEvent = roomEventBase.extend({
  type: z.literal('member.updated'),
  by: userRef,
  user: member,
});
export const roomUpdatedEvent = roomEventBase.extend({
  type: z.literal('room.updated'),
  by: userRef,
  name: z.string().nullable(),
  topic: z.string(),
  visibility,
  persistent: z.boolean(),
});
export const messageEditedEvent = roomEventBase.extend({
  type: z.literal('message.edited'),
  by: userRef,
  /** The seq of the message that was edited. */
  target: seq.min(1),
  text: z.string(),
  html: z.string(),
});
export const messageDeletedEvent = roomEventBase.extend({
  type: z.literal('message.deleted'),
  by: userRef,
  target: seq.min(1),
});

/** A member added (`on`) or took back a reaction to the message `target`. */
export const reactionEvent = roomEventBase.extend({
  type: z.literal('reaction'),
  by: userRef,
  target: seq.min(1),
  emoji,
  on: z.boolean(),
});

/** Every event that goes into a room's log and carries a seq. */
export const roomEvent = z.discriminatedUnion('type', [
  messageEvent,
  memberJoinedEvent,
  memberLeftEvent,
  memberUpdatedEvent,
  roomUpdatedEvent,
  messageEditedEvent,
  messageDeletedEvent,
  reactionEvent,
]);
export type RoomEvent = z.infer<typeof roomEvent>;
export type RoomEventType = RoomEvent['type'];
export const ROOM_EVENT_TYPES: readonly RoomEventType[] = roomEvent.options.map((o) => o.shape.type.value);

/** Why an invite cannot be used. */
export const inviteInvalidReason = z.enum(['not_found', 'expired', 'used_up', 'revoked']);
export type InviteInvalidReason = z.infer<typeof inviteInvalidReason>;

/** An invite link to a room: single-use, or public (any number of uses up to maxUses). */
export const invite = z.object({
  code: z.string(),
  room: roomId,
  kind: z.enum(['single', 'public']),
  /** Null: unlimited (public invites only). Single-use invites have 1. */
  maxUses: z.number().int().positive().nullable(),
  uses: z.number().int().nonnegative(),
  expiresAt: timestamp.nullable(),
  createdAt: timestamp,
  createdBy: userRef,
  /** Path of the join page for this invite, relative to the server: `/i/<code>`. */
  url: z.string(),
});
export type Invite = z.infer<typeof invite>;

/** A position in a room's log, as a client remembers it for recovery. */
export const roomPosition = z.object({ room: roomId, epoch, seq });
export type RoomPosition = z.infer<typeof roomPosition>;

export { displayName };
