import {
  PresenceError,
  type IceConfig,
  type LiveMediaMode,
  type LiveMedia,
  type LiveParticipant,
  type LiveSignal,
} from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import type { Actor } from '../shared/actor.js';
import type { RoomLog } from '../rooms/room-log.js';
import { authorize, roleIn } from '../rooms/room-policy.js';
import { requireMember } from '../rooms/room-queries.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { iceConfigFor, type IceOptions } from './ice-credentials.js';
import { OPEN_GATE, type ModerationGate } from '../rooms/moderation-gate.js';
import { modeFor, SfuCalls } from './sfu-calls.js';
import type { SfuBackend, SfuCandidate } from './sfu/sfu-backend.js';

export interface LiveOptions extends IceOptions {
  liveMeshMax: number;
  maxSdpBytes: number;
  /** The media mode of rooms that have not chosen one. */
  liveMediaMode?: LiveMediaMode | undefined;
}

/** A room's call: who is in it, the next rank to hand out, and how its media travels. */
interface LiveCall {
  participants: Map<string, LiveParticipant>;
  nextRank: number;
  /** Once on the SFU a call stays there until it ends (no flapping around liveMeshMax). */
  mode: 'mesh' | 'sfu';
}

const NO_MEDIA: LiveMedia = { audio: false, video: false, screen: false };

/**
 * Each room is the signaling domain of its own call. Participants are sessions; everything about
 * the call is fanned out to the whole room as transient events (members outside the call see who
 * is in it), except signaling payloads, which go to exactly one participant through the broker's
 * directed channel. Calls live in memory: they are as ephemeral as the connections carrying them.
 */
export class LiveService {
  readonly #calls = new Map<string, LiveCall>();
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #broker: Broker;
  readonly #options: LiveOptions;
  readonly #gate: ModerationGate;
  /** Rooms' media-mode settings (rooms without one use options.liveMediaMode). */
  readonly #settings = new Map<string, LiveMediaMode>();
  readonly #sfu: SfuCalls;
  /** The Janus seam itself, for server-side mutes (null without an SFU). */
  readonly #sfuBackend: SfuBackend | null;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    broker: Broker;
    options: LiveOptions;
    /** Bans and call mutes (moderation/); default: none. */
    gate?: ModerationGate;
    sfu?: SfuBackend | null | undefined;
  }) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#broker = deps.broker;
    this.#options = deps.options;
    this.#gate = deps.gate ?? OPEN_GATE;
    this.#sfuBackend = deps.sfu ?? null;
    this.#sfu = new SfuCalls({
      sfu: deps.sfu ?? null,
      broker: deps.broker,
      view: {
        sfuParticipants: (roomId) => {
          const call = this.#calls.get(roomId);
          return call?.mode === 'sfu' ? [...call.participants.keys()] : null;
        },
        announceReset: (roomId) => this.#announceMode(roomId, 'sfu', 'reset'),
      },
    });
  }

  /** The room's media-mode setting. */
  mediaMode(roomId: string): LiveMediaMode {
    return this.#settings.get(roomId) ?? this.#options.liveMediaMode ?? 'auto';
  }

  /** The mode a room's call uses now (mesh when there is no call). */
  modeOf(roomId: string): 'mesh' | 'sfu' {
    return this.#calls.get(roomId)?.mode ?? 'mesh';
  }

  /**
   * A moderator muted `userId`: every participant of theirs stops sending that (as far as the
   * server can tell: in a mesh call the client's UI stops its tracks and peers drop them when they
   * see the mute; the server refuses live.media turning it back on).
   */
  async forceOff(roomId: string, userId: string, off: { audio: boolean; video: boolean }): Promise<void> {
    const call = this.#calls.get(roomId);
    const room = this.#registry.loaded(roomId);
    if (!call || !room) return;
    for (const p of [...call.participants.values()]) {
      if (p.user.id !== userId) continue;
      const media = {
        ...p.media,
        ...(off.audio ? { audio: false } : {}),
        ...(off.video ? { video: false } : {}),
      };
      // On the SFU the server enforces it: Janus stops relaying the muted media (and relays it
      // again on unmute), whatever the client sends.
      if (call.mode === 'sfu' && this.#sfuBackend) {
        await this.#sfuBackend.moderate(roomId, p.id, off).catch(() => undefined);
      }
      if (media.audio === p.media.audio && media.video === p.media.video) continue;
      const next = { ...p, media };
      call.participants.set(p.id, next);
      await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: next });
    }
  }

  /** Everyone in a room's call (empty when there is no call). */
  participants(roomId: string): LiveParticipant[] {
    return [...(this.#calls.get(roomId)?.participants.values() ?? [])];
  }

  /** Join the call, or (again, after a reconnect) get a fresh snapshot and fresh ICE. */
  async join(actor: Actor, roomId: string, asked: Partial<LiveMedia> = {}) {
    const room = await this.#registry.require(roomId);
    const { role } = requireMember(room, actor);
    await this.#gate.beforeCall(room, actor);
    const media = await this.#gate.media(room, actor.user.id, role, asked, true);
    let call = this.#calls.get(roomId);
    let you = call?.participants.get(actor.sessionId);
    if (you) {
      const changed = you.status !== 'connected' || hasChanges(you.media, media);
      you = { ...you, status: 'connected', media: { ...you.media, ...media } };
      call?.participants.set(you.id, you);
      if (changed) await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: you });
    } else {
      const setting = this.mediaMode(roomId);
      const size = (call?.participants.size ?? 0) + 1;
      const wanted = call?.mode === 'sfu' ? 'sfu' : modeFor(setting, size, this.#options.liveMeshMax);
      if (wanted === 'sfu' && call?.mode !== 'sfu') {
        if (setting === 'auto' && !this.#sfu.available) {
          throw new PresenceError(
            'LIVE_FULL',
            `Calls here are limited to ${this.#options.liveMeshMax} participants (no SFU is available).`,
          );
        }
        await this.#sfu.open(roomId);
      }
      if (!call) {
        call = { participants: new Map(), nextRank: 1, mode: wanted };
        this.#calls.set(roomId, call);
      } else if (wanted === 'sfu' && call.mode === 'mesh') {
        call.mode = 'sfu';
        await this.#announceMode(roomId, 'sfu', 'grew');
      }
      you = {
        id: actor.sessionId,
        user: actor.user,
        media: { ...NO_MEDIA, ...media },
        speaking: false,
        status: 'connected',
        rank: call.nextRank++,
        joinedAt: Date.now(),
      };
      call.participants.set(you.id, you);
      await this.#log.transient(room, { type: 'live.joined', room: roomId, participant: you });
    }
    const others = [...(call?.participants.values() ?? [])].filter((p) => p.id !== actor.sessionId);
    return {
      mode: call?.mode ?? 'mesh',
      mediaMode: this.mediaMode(roomId),
      you,
      participants: others,
      ice: this.#ice(actor),
    };
  }

  /** Owners and admins: choose mesh, sfu or auto; a running call follows at once. */
  async setMode(actor: Actor, roomId: string, mode: LiveMediaMode) {
    const room = await this.#registry.require(roomId);
    requireMember(room, actor);
    authorize('live.mode', { role: roleIn(room, actor.user.id), room });
    const call = this.#calls.get(roomId);
    const size = call?.participants.size ?? 0;
    const next = modeFor(mode, size, this.#options.liveMeshMax);
    if (mode === 'sfu' && !this.#sfu.available) {
      throw new PresenceError(
        'SFU_UNAVAILABLE',
        'No SFU (Janus) is available; calls here stay peer-to-peer.',
      );
    }
    if (
      call &&
      next === 'mesh' &&
      call.mode === 'sfu' &&
      mode === 'mesh' &&
      size > this.#options.liveMeshMax
    ) {
      throw new PresenceError(
        'LIVE_FULL',
        `A mesh call is limited to ${this.#options.liveMeshMax} participants.`,
      );
    }
    this.#settings.set(roomId, mode);
    if (call && next !== call.mode && (next === 'sfu' || mode === 'mesh')) {
      if (next === 'sfu') await this.#sfu.open(roomId);
      call.mode = next;
      if (next === 'mesh') await this.#sfu.close(roomId);
      await this.#announceMode(roomId, next, 'setting');
    }
    return { mediaMode: mode, mode: call?.mode ?? 'mesh' };
  }

  async #announceMode(roomId: string, mode: 'mesh' | 'sfu', reason: 'setting' | 'grew' | 'reset' | 'ended') {
    const room = this.#registry.loaded(roomId);
    if (!room) return;
    await this.#log.transient(room, {
      type: 'live.mode',
      room: roomId,
      mode,
      mediaMode: this.mediaMode(roomId),
      reason,
    });
  }

  /** SFU mode: publish (or renegotiate) the participant's media; returns the SFU's answer. */
  async sfuPublish(actor: Actor, roomId: string, sdp: string, restart = false): Promise<string> {
    const me = this.#sfuParticipant(actor, roomId);
    this.#checkSdp(sdp);
    const answer = await this.#sfu.publish(roomId, me.id, sdp, me.user.name, restart);
    // Muted before publishing (or joined muted): Janus must not relay it from the first packet.
    const room = this.#registry.loaded(roomId);
    if (room && this.#sfuBackend) {
      const muted = await this.#gate.callMute(room, me.user.id);
      if (muted.audio || muted.video)
        await this.#sfuBackend.moderate(roomId, me.id, muted).catch(() => undefined);
    }
    return answer;
  }

  async sfuUnpublish(actor: Actor, roomId: string): Promise<void> {
    const me = this.#sfuParticipant(actor, roomId);
    await this.#sfu.unpublish(roomId, me.id);
  }

  async sfuAnswer(actor: Actor, roomId: string, sdp: string): Promise<void> {
    const me = this.#sfuParticipant(actor, roomId);
    this.#checkSdp(sdp);
    await this.#sfu.answer(roomId, me.id, sdp);
  }

  async sfuCandidate(
    actor: Actor,
    roomId: string,
    target: 'publisher' | 'subscriber',
    candidate: SfuCandidate | null,
  ): Promise<void> {
    const me = this.#sfuParticipant(actor, roomId);
    await this.#sfu.candidate(roomId, me.id, target, candidate);
  }

  async sfuRestart(actor: Actor, roomId: string): Promise<void> {
    const me = this.#sfuParticipant(actor, roomId);
    await this.#sfu.restart(roomId, me.id);
  }

  #sfuParticipant(actor: Actor, roomId: string): LiveParticipant {
    const me = this.#participant(actor, roomId);
    if (this.#calls.get(roomId)?.mode !== 'sfu') {
      throw new PresenceError('FORBIDDEN', 'This call is peer-to-peer (mode mesh): use live.signal.');
    }
    return me;
  }

  #checkSdp(sdp: string): void {
    if (sdp.length > this.#options.maxSdpBytes) {
      throw new PresenceError(
        'INVALID_MESSAGE',
        `SDP is limited to ${this.#options.maxSdpBytes} characters.`,
      );
    }
  }

  /** Stop listening to the SFU (server shutdown). */
  close(): void {
    this.#sfu.dispose();
  }

  async leave(actor: Actor, roomId: string, reason: 'left' | 'timeout' | 'removed' = 'left'): Promise<void> {
    const call = this.#calls.get(roomId);
    const me = call?.participants.get(actor.sessionId);
    if (!call || !me) throw new PresenceError('FORBIDDEN', 'You are not in this call.');
    call.participants.delete(actor.sessionId);
    if (call.mode === 'sfu') await this.#sfu.left(roomId, me.id);
    if (call.participants.size === 0) {
      this.#calls.delete(roomId);
      if (call.mode === 'sfu') await this.#sfu.close(roomId);
    }
    const room = this.#registry.loaded(roomId);
    if (room) {
      await this.#log.transient(room, {
        type: 'live.left',
        room: roomId,
        participant: me.id,
        user: me.user,
        reason,
      });
    }
  }

  async media(
    actor: Actor,
    roomId: string,
    patch: Partial<LiveMedia> & { speaking?: boolean | undefined },
  ): Promise<LiveParticipant> {
    const me = this.#participant(actor, roomId);
    const { speaking, ...asked } = patch;
    const room = await this.#registry.require(roomId);
    const media = await this.#gate.media(room, actor.user.id, requireMember(room, actor).role, asked, false);
    const next: LiveParticipant = {
      ...me,
      media: { ...me.media, ...definedOnly(media) },
      speaking: speaking ?? me.speaking,
    };
    this.#calls.get(roomId)?.participants.set(me.id, next);
    await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: next });
    return next;
  }

  /** Relay a signaling payload to one participant of the same call; anything else is FORBIDDEN. */
  async signal(actor: Actor, roomId: string, to: string, signal: LiveSignal): Promise<void> {
    const me = this.#participant(actor, roomId);
    const target = this.#calls.get(roomId)?.participants.get(to);
    if (!target || target.id === me.id) {
      throw new PresenceError('FORBIDDEN', 'Signals go to another participant of the same call.');
    }
    if (signal.kind === 'offer' || signal.kind === 'answer') this.#checkSdp(signal.sdp);
    const json = JSON.stringify({ type: 'live.signal', room: roomId, from: me.id, user: me.user, signal });
    await this.#broker.sendDirect(to, json);
  }

  ice(actor: Actor, roomId: string): IceConfig {
    this.#participant(actor, roomId);
    return this.#ice(actor);
  }

  /** The session's connection dropped: its peers see it reconnecting. */
  async sessionDetached(sessionId: string): Promise<void> {
    await this.#setStatus(sessionId, 'reconnecting');
  }

  /** The session resumed on a new connection. */
  async sessionResumed(sessionId: string): Promise<void> {
    await this.#setStatus(sessionId, 'connected');
  }

  /** The session left the room or ended: it leaves that room's call (or every call). */
  async sessionLeft(
    actor: Actor,
    roomId: string | null,
    reason: 'left' | 'timeout' | 'removed',
  ): Promise<void> {
    for (const [id, call] of [...this.#calls]) {
      if ((roomId === null || roomId === id) && call.participants.has(actor.sessionId)) {
        await this.leave(actor, id, reason);
      }
    }
  }

  async #setStatus(sessionId: string, status: LiveParticipant['status']): Promise<void> {
    for (const [roomId, call] of this.#calls) {
      const p = call.participants.get(sessionId);
      if (!p || p.status === status) continue;
      const next = { ...p, status };
      call.participants.set(sessionId, next);
      const room = this.#registry.loaded(roomId);
      if (room) await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: next });
    }
  }

  #participant(actor: Actor, roomId: string): LiveParticipant {
    const me = this.#calls.get(roomId)?.participants.get(actor.sessionId);
    if (!me) throw new PresenceError('FORBIDDEN', 'Join the call first.');
    return me;
  }

  #ice(actor: Actor): IceConfig {
    return iceConfigFor(actor.user.id, this.#options);
  }
}

function hasChanges(current: LiveMedia, patch: Partial<LiveMedia>): boolean {
  return (Object.keys(patch) as (keyof LiveMedia)[]).some(
    (k) => patch[k] !== undefined && patch[k] !== current[k],
  );
}

function definedOnly(media: Partial<Record<keyof LiveMedia, boolean | undefined>>): Partial<LiveMedia> {
  const out: Partial<LiveMedia> = {};
  for (const k of ['audio', 'video', 'screen'] as const) {
    const v = media[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
