import {
  PresenceError,
  type IceConfig,
  type LiveMediaMode,
  type LiveMedia,
  type LiveParticipant,
  type LiveRoomSettings,
  type LiveSignal,
  type LiveStreamers,
  type LiveStreamState,
  type RoomRole,
  type RoomLive,
} from '@presence/protocol';
import type { LiveSettingsStore } from '../store/live-settings-store.js';
import { StreamStage, type StageChange } from './stream/stream-stage.js';
import { roomLiveOf } from './room-live.js';
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
import type { RelayService } from './relay/relay-service.js';
import { hideAddresses } from './relay/relay-privacy.js';
import type { CallRecorder } from './recording/call-recorder.js';
import type { RecordingService } from './recording/recording-service.js';

/** A change of a room's call settings (any subset). */
export interface LiveSettingsPatch {
  mediaMode?: LiveMediaMode | undefined;
  streaming?: boolean | undefined;
  streamers?: LiveStreamers | undefined;
}

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
  mode: 'mesh' | 'sfu' | 'relay';
  /** When the call started (its first participant joined). */
  startedAt: number;
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
  /** Rooms' call settings as loaded from (and written to) the store. */
  readonly #settings = new Map<string, LiveRoomSettings>();
  readonly #store: LiveSettingsStore | null;
  /** Streaming rooms: who is the source, who watches. */
  readonly stage: StreamStage;
  /** Rooms with a coalesced viewer-count event pending. */
  readonly #viewerTimers = new Map<string, NodeJS.Timeout>();
  readonly #offStage: () => void;
  readonly #sfu: SfuCalls;
  /** The Janus seam itself, for server-side mutes (null without an SFU). */
  readonly #sfuBackend: SfuBackend | null;
  /** Relayed broadcasts (null: live.relay.* is refused). */
  readonly #relay: RelayService | null;
  /** Recording of SFU calls (null: live.record is refused with SFU_UNAVAILABLE). */
  readonly #recorder: CallRecorder | null;
  /** Calls being recorded: who started it, when. */
  readonly #recording = new Map<string, { by: LiveParticipant['user']; since: number }>();
  /** Per call being recorded: Janus feed id → publisher, for naming each recorded file's person. */
  readonly #recordedFeeds = new Map<string, Map<number, LiveParticipant['user']>>();
  /** Where finished recordings are entered (null: they stay files only). */
  #recordings: RecordingService | null = null;
  #offSfuEvents: () => void = () => undefined;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    broker: Broker;
    options: LiveOptions;
    /** Bans and call mutes (moderation/); default: none. */
    gate?: ModerationGate;
    sfu?: SfuBackend | null | undefined;
    relay?: RelayService | null | undefined;
    /** Where room call settings persist (memory only without). */
    store?: LiveSettingsStore | null | undefined;
    stage?: StreamStage | undefined;
    recorder?: CallRecorder | null | undefined;
    recordings?: RecordingService | null | undefined;
  }) {
    this.#recordings = deps.recordings ?? null;
    this.#recorder = deps.recorder ?? null;
    this.#relay = deps.relay ?? null;
    this.#store = deps.store ?? null;
    this.stage = deps.stage ?? new StreamStage();
    this.#offStage = this.stage.on((c) => this.#onStage(c));
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#broker = deps.broker;
    this.#options = deps.options;
    this.#gate = deps.gate ?? OPEN_GATE;
    this.#sfuBackend = deps.sfu ?? null;
    this.#offSfuEvents =
      this.#sfuBackend?.on((e) => {
        if (e.type === 'publisher-up' && this.#recording.has(e.room)) this.#captureFeeds(e.room);
      }) ?? (() => undefined);
    this.#sfu = new SfuCalls({
      sfu: deps.sfu ?? null,
      broker: deps.broker,
      view: {
        sfuParticipants: (roomId) => {
          const call = this.#calls.get(roomId);
          return call?.mode === 'sfu' ? [...call.participants.keys()] : null;
        },
        feedsFor: (roomId, participant) => {
          const call = this.#calls.get(roomId);
          if (call?.mode !== 'sfu') return [];
          if (this.stage.has(roomId)) {
            const source = this.stage.sourceId(roomId);
            return source && source !== participant ? [source] : [];
          }
          return [...call.participants.keys()].filter((p) => p !== participant);
        },
        announceReset: (roomId) => this.#announceMode(roomId, 'sfu', 'reset'),
      },
    });
  }

  /** The room's media-mode setting (as last loaded; see settings()). */
  mediaMode(roomId: string): LiveMediaMode {
    return this.#settings.get(roomId)?.mediaMode ?? this.#defaults().mediaMode;
  }

  #defaults(): LiveRoomSettings {
    return {
      mediaMode: this.#options.liveMediaMode ?? 'auto',
      streaming: false,
      streamers: { users: [], role: 'owner' },
    };
  }

  /** The room's call settings, loaded from the store once and cached. */
  async settings(roomId: string): Promise<LiveRoomSettings> {
    const cached = this.#settings.get(roomId);
    if (cached) return cached;
    const stored = this.#store ? await this.#store.get(roomId) : undefined;
    const settings = stored ?? this.#defaults();
    this.#settings.set(roomId, settings);
    return settings;
  }

  /**
   * The room's settings when they differ from the defaults (for room snapshots). Loaded from the
   * store when not cached yet: after a restart a streaming room must say so on its first join.
   */
  async snapshotSettings(roomId: string): Promise<LiveRoomSettings | undefined> {
    const s = await this.settings(roomId);
    const d = this.#defaults();
    return JSON.stringify(s) === JSON.stringify(d) ? undefined : s;
  }

  /** A streaming room's stage now (null unless it streams and a call or source is on). */
  stream(roomId: string): LiveStreamState | null {
    return this.stage.snapshot(roomId);
  }

  /** The mode a room's call uses now (mesh when there is no call). */
  modeOf(roomId: string): 'mesh' | 'sfu' | 'relay' {
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

  /** What a directory shows as live in the room now (its call or its stream), or null. */
  liveNow(roomId: string): RoomLive | null {
    const call = this.#calls.get(roomId);
    return roomLiveOf(
      call ? { participants: call.participants.size, startedAt: call.startedAt } : null,
      this.stage.snapshot(roomId),
    );
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
    const settings = await this.settings(roomId);
    const streamer = isStreamer(settings.streamers, actor.user.id, role);
    if (settings.streaming && !this.#sfu.available) {
      throw new PresenceError(
        'SFU_UNAVAILABLE',
        'Streaming rooms need the SFU (Janus), and none is available.',
      );
    }
    const media = await this.#gate.media(
      room,
      actor.user.id,
      role,
      settings.streaming && !streamer ? { ...asked, audio: false, video: false, screen: false } : asked,
      true,
    );
    let call = this.#calls.get(roomId);
    let you = call?.participants.get(actor.sessionId);
    if (you) {
      const changed = you.status !== 'connected' || hasChanges(you.media, media);
      you = { ...you, status: 'connected', media: { ...you.media, ...media } };
      call?.participants.set(you.id, you);
      if (changed) await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: you });
      if (call?.mode === 'relay') await this.#relay?.join(roomId, you.id);
    } else {
      const setting = settings.streaming ? 'sfu' : settings.mediaMode;
      const size = (call?.participants.size ?? 0) + 1;
      const wanted =
        call?.mode === 'sfu' || call?.mode === 'relay'
          ? call.mode
          : modeFor(setting, size, this.#options.liveMeshMax);
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
        call = { participants: new Map(), nextRank: 1, mode: wanted, startedAt: Date.now() };
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
      // After the reply: the viewer's first assignment follows its live.join result.
      if (call.mode === 'relay') {
        const id = you.id;
        setImmediate(() => void this.#relay?.join(roomId, id).catch(() => undefined));
      }
    }
    if (settings.streaming) {
      this.stage.join(roomId, { id: you.id, user: you.user, streamer });
      // Viewers never publish: their one subscription (to the source) starts with the join.
      if (!this.stage.isSource(roomId, you.id)) this.#sfu.watch(roomId, you.id);
    }
    const others = [...(call?.participants.values() ?? [])].filter((p) => p.id !== actor.sessionId);
    const stream = this.stage.snapshot(roomId);
    return {
      mode: call?.mode ?? 'mesh',
      mediaMode: settings.mediaMode,
      you,
      participants: others,
      ice: this.#ice(actor),
      settings,
      ...(stream ? { stream } : {}),
      ...(this.#recording.has(roomId) ? { recording: this.#recording.get(roomId)! } : {}),
    };
  }

  /** Owners and admins: choose mesh, sfu or auto; a running call follows at once. */
  async setMode(actor: Actor, roomId: string, mode: LiveMediaMode) {
    const { settings, mode: now } = await this.setSettings(actor, roomId, { mediaMode: mode });
    return { mediaMode: settings.mediaMode, mode: now };
  }

  /**
   * Owners and admins: change the room's call settings (persisted). A running call follows:
   * its media mode, and streaming on (to the SFU, a source is picked) or off (everyone publishes).
   */
  async setSettings(
    actor: Actor,
    roomId: string,
    patch: LiveSettingsPatch,
  ): Promise<{ settings: LiveRoomSettings; mode: 'mesh' | 'sfu' }> {
    const room = await this.#registry.require(roomId);
    requireMember(room, actor);
    authorize('live.mode', { role: roleIn(room, actor.user.id), room });
    return this.#applySettings(roomId, patch);
  }

  /**
   * The operator (service API): a room's call settings, its call's mode and stage now. No
   * membership needed; ROOM_NOT_FOUND when there is no such room.
   */
  async operatorState(roomId: string): Promise<{
    settings: LiveRoomSettings;
    mode: 'mesh' | 'sfu' | 'relay';
    participants: number;
    stream: LiveStreamState | null;
  }> {
    await this.#registry.require(roomId);
    return {
      settings: await this.settings(roomId),
      mode: this.modeOf(roomId),
      participants: this.#calls.get(roomId)?.participants.size ?? 0,
      stream: this.stage.snapshot(roomId),
    };
  }

  /** The operator (service API) changes a room's call settings, exactly as an owner would. */
  async operatorSettings(roomId: string, patch: LiveSettingsPatch) {
    await this.#registry.require(roomId);
    await this.#applySettings(roomId, patch);
    return this.operatorState(roomId);
  }

  async #applySettings(
    roomId: string,
    patch: LiveSettingsPatch,
  ): Promise<{ settings: LiveRoomSettings; mode: 'mesh' | 'sfu' }> {
    const room = await this.#registry.require(roomId);
    const before = await this.settings(roomId);
    const next: LiveRoomSettings = {
      mediaMode: patch.mediaMode ?? before.mediaMode,
      streaming: patch.streaming ?? before.streaming,
      streamers: patch.streamers
        ? { users: [...new Set(patch.streamers.users)], role: patch.streamers.role }
        : before.streamers,
    };
    const call = this.#calls.get(roomId);
    if (call?.mode === 'relay') {
      throw new PresenceError(
        'FORBIDDEN',
        'The call is a relayed broadcast: stop it (live.relay.stop) first.',
        {
          reason: 'relay_running',
        },
      );
    }
    const size = call?.participants.size ?? 0;
    const effective = next.streaming ? 'sfu' : next.mediaMode;
    const target = modeFor(effective, size, this.#options.liveMeshMax);
    if (effective === 'sfu' && !this.#sfu.available) {
      throw new PresenceError(
        'SFU_UNAVAILABLE',
        next.streaming
          ? 'Streaming rooms need the SFU (Janus), and none is available.'
          : 'No SFU (Janus) is available; calls here stay peer-to-peer.',
      );
    }
    if (
      call &&
      target === 'mesh' &&
      call.mode === 'sfu' &&
      effective === 'mesh' &&
      size > this.#options.liveMeshMax
    ) {
      throw new PresenceError(
        'LIVE_FULL',
        `A mesh call is limited to ${this.#options.liveMeshMax} participants.`,
      );
    }
    if (this.#store) await this.#store.put(roomId, next);
    this.#settings.set(roomId, next);
    await this.#log.transient(room, { type: 'live.settings', room: roomId, settings: next });
    if (call) {
      if (before.streaming && !next.streaming) this.stage.close(roomId);
      if (call.mode !== target && (target === 'sfu' || effective === 'mesh')) {
        if (target === 'sfu') await this.#sfu.open(roomId);
        call.mode = target;
        if (target === 'mesh') await this.#sfu.close(roomId);
        await this.#announceMode(roomId, target, 'setting');
      } else if (before.streaming !== next.streaming && call.mode === 'sfu') {
        // Who publishes changed: everyone starts over on the SFU room (as after a reset).
        await this.#announceMode(roomId, 'sfu', 'reset');
      }
      if (next.streaming) {
        for (const p of [...call.participants.values()]) {
          if (p.external) continue;
          const streamer = isStreamer(next.streamers, p.user.id, roleIn(room, p.user.id));
          // A source no longer in the group hands over (the stage says so) and watches.
          this.stage.join(roomId, { id: p.id, user: p.user, streamer });
          if (!streamer && (p.media.audio || p.media.video || p.media.screen)) {
            // Back to a plain viewer: it sends nothing (as if it had joined as one).
            const viewer: LiveParticipant = { ...p, media: NO_MEDIA };
            call.participants.set(p.id, viewer);
            await this.#log.transient(room, { type: 'live.updated', room: roomId, participant: viewer });
          }
        }
      }
    }
    return { settings: next, mode: call?.mode ?? 'mesh' };
  }

  /** Stage changes go to the room; viewer counts alone at most once a second. */
  #onStage(c: StageChange): void {
    const room = this.#registry.loaded(c.room);
    if (!room) return;
    if (c.sourceChanged && c.before?.source) {
      const old = c.before.source;
      const oldId = old.kind === 'participant' ? old.participant : old.id;
      // The old source stops being relayed (a member that stays watches from now on).
      if (old.kind === 'participant' && this.#calls.get(c.room)?.participants.has(oldId)) {
        void this.#sfu.unpublish(c.room, oldId).catch(() => undefined);
        this.#sfu.watch(c.room, oldId);
      }
    }
    const send = () => {
      this.#viewerTimers.delete(c.room);
      const stream = this.stage.snapshot(c.room);
      if (!stream) return;
      void this.#log.transient(room, { type: 'live.stream', room: c.room, stream }).catch(() => undefined);
    };
    if (c.after === null) return;
    if (c.viewersOnly) {
      if (!this.#viewerTimers.has(c.room)) this.#viewerTimers.set(c.room, setTimeout(send, 1000).unref());
      return;
    }
    const pending = this.#viewerTimers.get(c.room);
    if (pending) clearTimeout(pending);
    send();
  }

  async #announceMode(
    roomId: string,
    mode: 'mesh' | 'sfu' | 'relay',
    reason: 'setting' | 'grew' | 'reset' | 'ended',
  ) {
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

  /**
   * An external source (a WHIP encoder) goes live in the room: it joins the call as a participant
   * of its own (`external: 'whip'`, named after its stream key), the call moves to the SFU (its
   * media only exists there), and everyone in the call is offered it once Janus has it up. Without
   * a call it starts one: members who join then watch it. Then the caller publishes its media
   * under `id` through the SFU seam.
   */
  async startExternal(roomId: string, id: string, source: { userId: string; name: string }): Promise<void> {
    const room = await this.#registry.require(roomId);
    // A streaming room: the encoder claims its stage like a streamer's camera (the stage then says
    // `live` and every viewer's one subscription carries it). A member already live there wins.
    const settings = await this.settings(roomId);
    if (settings.streaming) {
      this.stage.open(roomId);
      if (!this.stage.claim(roomId, { kind: 'external', id, displayName: source.name })) {
        throw new PresenceError('LIVE_FULL', 'A source is already live in this streaming room.');
      }
    }
    let call = this.#calls.get(roomId);
    if (call?.mode !== 'sfu') await this.#sfu.open(roomId);
    if (!call) {
      call = { participants: new Map(), nextRank: 1, mode: 'sfu', startedAt: Date.now() };
      this.#calls.set(roomId, call);
    } else if (call.mode === 'mesh') {
      call.mode = 'sfu';
      await this.#announceMode(roomId, 'sfu', 'grew');
    }
    const you: LiveParticipant = {
      id,
      user: {
        id: source.userId,
        name: source.name,
        avatar: `/avatars/${encodeURIComponent(source.userId)}.svg`,
      },
      media: { audio: true, video: true, screen: false },
      speaking: false,
      status: 'connected',
      rank: call.nextRank++,
      joinedAt: Date.now(),
      external: 'whip',
    };
    call.participants.set(id, you);
    await this.#log.transient(room, { type: 'live.joined', room: roomId, participant: you });
  }

  /** The external source `id` stopped (DELETE, revoked key, ICE failure): it leaves the call. */
  async stopExternal(roomId: string, id: string): Promise<void> {
    // Off the stage first: the next streamer present takes over (or the stream `ended`).
    this.stage.release(roomId, id);
    const call = this.#calls.get(roomId);
    const me = call?.participants.get(id);
    if (!call || me?.external === undefined) return;
    await this.leave({ user: me.user, sessionId: id }, roomId, 'left');
  }

  /** Whether a source is live on the room's stage (a streamer's camera or an encoder). */
  stageLive(roomId: string): boolean {
    return this.stage.source(roomId) !== null;
  }

  /** Whether an external source is in the room's call now. */
  externalSource(roomId: string): LiveParticipant | null {
    for (const p of this.#calls.get(roomId)?.participants.values() ?? []) if (p.external) return p;
    return null;
  }

  /** SFU mode: publish (or renegotiate) the participant's media; returns the SFU's answer. */
  async sfuPublish(actor: Actor, roomId: string, sdp: string, restart = false): Promise<string> {
    const me = this.#sfuParticipant(actor, roomId);
    this.#checkSdp(sdp);
    if (this.stage.has(roomId) && !this.stage.isSource(roomId, me.id)) {
      throw new PresenceError('FORBIDDEN', 'This is a streaming room: only its source publishes; you watch.');
    }
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

  /** The call's recording now (null: not recording). */
  recording(roomId: string): { by: LiveParticipant['user']; since: number } | null {
    return this.#recording.get(roomId) ?? null;
  }

  /** Owners and admins, in an SFU call: start or stop recording every publisher. */
  async record(actor: Actor, roomId: string, on: boolean) {
    const room = await this.#registry.require(roomId);
    requireMember(room, actor);
    authorize('live.mode', { role: roleIn(room, actor.user.id), room });
    if (!this.#sfu.available || !this.#recorder || !this.#sfuBackend) {
      throw new PresenceError('SFU_UNAVAILABLE', 'Recording needs the SFU (Janus), and none is available.');
    }
    const call = this.#calls.get(roomId);
    if (call?.mode !== 'sfu') {
      throw new PresenceError(
        'LIVE_NOT_SFU',
        'Only an SFU call can be recorded: there is none in this room.',
      );
    }
    const me = call.participants.get(actor.sessionId);
    const by = me?.user ?? { id: actor.user.id, name: actor.user.id, avatar: '' };
    if (on && !this.#recording.has(roomId)) {
      const since = Date.now();
      const dir = await this.#recorder.rawDir(roomId, since);
      await this.#sfuBackend.setRecording(roomId, true, dir);
      this.#recording.set(roomId, { by, since });
      this.#recordedFeeds.set(roomId, new Map());
      this.#captureFeeds(roomId);
      await this.#log.transient(room, { type: 'live.record', room: roomId, recording: { by, since }, by });
    } else if (!on) {
      await this.#stopRecording(roomId, by);
    }
    return { recording: this.#recording.get(roomId) ?? null };
  }

  /** Stops a running recording (by a user, or null: the call ended) and queues its conversion. */
  async #stopRecording(roomId: string, by: LiveParticipant['user'] | null): Promise<void> {
    const rec = this.#recording.get(roomId);
    if (!rec) return;
    this.#captureFeeds(roomId);
    const publishers = this.#recordedFeeds.get(roomId) ?? new Map<number, LiveParticipant['user']>();
    this.#recording.delete(roomId);
    this.#recordedFeeds.delete(roomId);
    await this.#sfuBackend?.setRecording(roomId, false).catch(() => undefined);
    const endedAt = Date.now();
    const stopped = { room: roomId, since: rec.since, endedAt, by: rec.by, publishers };
    // Off the request path: conversion takes seconds; its entries reach the room as events.
    void this.#recorder
      ?.converted(roomId, rec.since, endedAt)
      .then((outcomes) => this.#recordings?.saved(stopped, outcomes))
      .catch(() => undefined);
    const room = this.#registry.loaded(roomId);
    if (room) await this.#log.transient(room, { type: 'live.record', room: roomId, recording: null, by });
  }

  /** Remembers whose feed is whose among the call's publishers now (files are named by feed). */
  #captureFeeds(roomId: string): void {
    const feeds = this.#recordedFeeds.get(roomId);
    const call = this.#calls.get(roomId);
    if (!feeds || !call || !this.#sfuBackend) return;
    for (const p of call.participants.values()) {
      const feed = this.#sfuBackend.feedOf(roomId, p.id);
      if (feed !== undefined) feeds.set(feed, p.user);
    }
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
    this.#offStage();
    this.#offSfuEvents();
    for (const t of this.#viewerTimers.values()) clearTimeout(t);
  }

  async leave(actor: Actor, roomId: string, reason: 'left' | 'timeout' | 'removed' = 'left'): Promise<void> {
    const call = this.#calls.get(roomId);
    const me = call?.participants.get(actor.sessionId);
    if (!call || !me) throw new PresenceError('FORBIDDEN', 'You are not in this call.');
    call.participants.delete(actor.sessionId);
    if (call.mode === 'sfu') await this.#sfu.left(roomId, me.id);
    if (call.mode === 'relay') {
      if (this.#relay?.sourceOf(roomId) === me.id) await this.#endRelay(roomId, call, 'ended');
      else await this.#relay?.leave(roomId, me.id, true);
    }
    this.stage.leave(roomId, me.id);
    if (call.participants.size === 0) {
      this.#calls.delete(roomId);
      this.#relay?.stop(roomId);
      if (this.stage.source(roomId)?.kind !== 'external') this.stage.close(roomId);
      if (call.mode === 'sfu') {
        await this.#stopRecording(roomId, null);
        await this.#sfu.close(roomId);
      }
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
    let relayed: LiveSignal | null = signal;
    if (this.#calls.get(roomId)?.mode === 'relay' && this.#relay) {
      if (!this.#relay.mayConnect(roomId, me.id, to)) {
        throw new PresenceError(
          'FORBIDDEN',
          'In a relayed broadcast you signal your parent, backup and children only.',
        );
      }
      // Addresses stay private unless the room allows them: only TURN candidates pass.
      if (this.#relay.hidesAddresses(roomId)) relayed = hideAddresses(signal);
    }
    if (!relayed) return;
    const json = JSON.stringify({
      type: 'live.signal',
      room: roomId,
      from: me.id,
      user: me.user,
      signal: relayed,
    });
    await this.#broker.sendDirect(to, json);
  }

  ice(actor: Actor, roomId: string): IceConfig {
    this.#participant(actor, roomId);
    return this.#ice(actor);
  }

  /** The session's connection dropped: its peers see it reconnecting. */
  async sessionDetached(sessionId: string): Promise<void> {
    await this.#setStatus(sessionId, 'reconnecting');
    // A relay whose connection dropped is out of the tree at once (its children move to their
    // backups); it comes back as a viewer with one more disconnect against it.
    for (const [roomId, call] of this.#calls) {
      if (call.mode === 'relay' && call.participants.has(sessionId))
        await this.#relay?.leave(roomId, sessionId, false);
    }
  }

  /** The session resumed on a new connection. */
  async sessionResumed(sessionId: string): Promise<void> {
    await this.#setStatus(sessionId, 'connected');
    for (const [roomId, call] of this.#calls) {
      if (call.mode === 'relay' && call.participants.has(sessionId))
        await this.#relay?.join(roomId, sessionId);
    }
  }

  /**
   * Start a relayed broadcast: you become its source, every other participant a viewer that
   * the server places in the relay tree (live.relay.assign). Owners and admins, from a mesh call.
   */
  async relayStart(
    actor: Actor,
    roomId: string,
    opts: { bitrateBps?: number | undefined; direct?: boolean | undefined },
  ): Promise<{ source: string }> {
    const relay = this.#relayService();
    const room = await this.#registry.require(roomId);
    requireMember(room, actor);
    authorize('live.mode', { role: roleIn(room, actor.user.id), room });
    const me = this.#participant(actor, roomId);
    const call = this.#calls.get(roomId);
    if (!call) throw new PresenceError('FORBIDDEN', 'Join the call first.');
    if (call.mode === 'relay') {
      const source = relay.sourceOf(roomId);
      if (source === me.id) return { source };
      throw new PresenceError('FORBIDDEN', 'This call is relaying another participant’s broadcast already.');
    }
    if (call.mode === 'sfu') {
      throw new PresenceError(
        'FORBIDDEN',
        'The call is on the SFU; a relay tree starts from a peer-to-peer call.',
      );
    }
    const viewers = [...call.participants.keys()].filter((id) => id !== me.id);
    await relay.start(roomId, me.id, [], opts);
    call.mode = 'relay';
    await this.#announceMode(roomId, 'relay', 'setting');
    for (const v of viewers) await relay.join(roomId, v);
    return { source: me.id };
  }

  /** End the broadcast (its source, owners and admins): the call is a mesh again. */
  async relayStop(actor: Actor, roomId: string): Promise<void> {
    const relay = this.#relayService();
    const me = this.#participant(actor, roomId);
    const call = this.#calls.get(roomId);
    if (!call || call.mode !== 'relay')
      throw new PresenceError('FORBIDDEN', 'This call is not a relayed broadcast.');
    if (relay.sourceOf(roomId) !== me.id) {
      const room = await this.#registry.require(roomId);
      authorize('live.mode', { role: roleIn(room, actor.user.id), room });
    }
    await this.#endRelay(roomId, call, 'setting');
  }

  relayProbe(actor: Actor, roomId: string) {
    const me = this.#participant(actor, roomId);
    return this.#relayService().probe(roomId, me.id);
  }

  async relayReport(
    actor: Actor,
    roomId: string,
    report: { silent?: string | undefined; sendingBps?: number | undefined },
  ): Promise<void> {
    const me = this.#participant(actor, roomId);
    await this.#relayService().report(roomId, me.id, report);
  }

  async relayPrefs(actor: Actor, roomId: string, relay: boolean): Promise<{ relay: boolean }> {
    const me = this.#participant(actor, roomId);
    await this.#relayService().prefs(roomId, me.id, relay);
    return { relay };
  }

  async #endRelay(roomId: string, call: LiveCall, reason: 'setting' | 'ended'): Promise<void> {
    this.#relay?.stop(roomId);
    call.mode = 'mesh';
    if (call.participants.size > 0) await this.#announceMode(roomId, 'mesh', reason);
  }

  #relayService(): RelayService {
    if (!this.#relay)
      throw new PresenceError('NOT_IMPLEMENTED', 'Relayed broadcasts are off on this server.');
    return this.#relay;
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

/** Whether a user belongs to a room's streamer group. */
export function isStreamer(
  streamers: LiveStreamers,
  userId: string,
  role: RoomRole | null | undefined,
): boolean {
  if (streamers.users.includes(userId)) return true;
  if (!streamers.role || !role) return false;
  const rank: Record<RoomRole, number> = { owner: 3, admin: 2, member: 1, guest: 0 };
  return rank[role] >= rank[streamers.role];
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
