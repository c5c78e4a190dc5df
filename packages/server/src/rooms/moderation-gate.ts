import type { LiveMedia, Member, ModerationSettings, Mute, RoomRole, UserRef } from '@presence/protocol';
import type { Actor } from '../shared/actor.js';
import type { Room } from './room.js';

/** What joining brings besides the room id: how the joiner may get past a password or a ban check. */
export interface JoinFacts {
  /** The user has a membership already (stored or current). */
  member: boolean;
  /** An invite came with the join (checked by the invite service after this). */
  invite: boolean;
  password?: string | undefined;
  guestKey?: string | undefined;
}

/**
 * What rooms, chat and calls ask moderation (implemented in moderation/, which sits beside these
 * domain folders and may import them, not the other way round). Every method runs on the room's
 * home node, inside or next to the room's queue.
 */
export interface ModerationGate {
  /** Before a session gets into the room: throws BANNED, PASSWORD_REQUIRED/WRONG or LOBBY_REQUIRED. */
  admit(room: Room, actor: Actor, facts: JoinFacts): Promise<void>;
  /**
   * Before a message is sent: throws (or rejects with) MUTED or SLOW_MODE. Undefined when decided
   * at once, a promise when it must wait (the room's moderation state is being read).
   */
  beforeSend(room: Room, actor: Actor, role: RoomRole): Promise<void> | undefined;
  /** Before a session joins the call: throws BANNED. */
  beforeCall(room: Room, actor: Actor): Promise<void>;
  /** The media a participant may send now: throws MUTED when asking for what a moderator muted. */
  media(
    room: Room,
    userId: string,
    role: RoomRole,
    asked: Partial<LiveMedia>,
    joining: boolean,
  ): Promise<Partial<LiveMedia>>;
  /** What a moderator muted of `userId`'s call media now (the SFU enforces it on publish). */
  callMute(room: Room, userId: string): Promise<{ audio: boolean; video: boolean }>;
  /** What a joiner sees of moderation (undefined when nothing is set). */
  snapshot(room: Room): Promise<{ settings: ModerationSettings; mutes: Mute[] } | undefined>;
  /** Keep an action done outside moderation/ in the room's audit log (role changes, removals, deletions). */
  record(
    room: Room,
    entry: {
      action: 'role' | 'remove' | 'message.delete';
      actor: UserRef;
      target: UserRef | Member | null;
      detail?: Record<string, string | number | boolean | null>;
    },
  ): Promise<void>;
}

/** No moderation: everything passes (tools and tests that build services without it). */
export const OPEN_GATE: ModerationGate = {
  admit: () => Promise.resolve(),
  beforeSend: () => undefined,
  beforeCall: () => Promise.resolve(),
  media: (_room, _user, _role, asked) => Promise.resolve(asked),
  callMute: () => Promise.resolve({ audio: false, video: false }),
  snapshot: () => Promise.resolve(undefined),
  record: () => Promise.resolve(),
};
