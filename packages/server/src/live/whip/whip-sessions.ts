import { randomBytes } from 'node:crypto';
import { PresenceError, type IceConfig } from '@presence/protocol';
import { iceConfigFor, type IceOptions } from '../ice-credentials.js';
import type { LiveService } from '../live-service.js';
import { SfuError, type SfuBackend, type SfuEvent } from '../sfu/sfu-backend.js';
import type { StoredStreamKey } from '../../store/stream-key-store.js';
import { iceUfragOf, parseSdpFrag, sdpFragOf, withIceCredentials } from './sdp-frag.js';
import type { StreamKeyService } from './stream-keys.js';

export interface WhipOptions extends IceOptions {
  maxSdpBytes: number;
  whepMaxViewers: number;
  whipSessionTtlSeconds: number;
}

/** An answer the HTTP layer turns into a status line (RFC 9725's error statuses). */
export class WhipError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 415 | 428 | 503;
  readonly code: string;
  readonly retryAfter: number | undefined;
  constructor(status: WhipError['status'], code: string, message: string, retryAfter?: number) {
    super(message);
    this.name = 'WhipError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

interface Session {
  id: string;
  kind: 'whip' | 'whep';
  roomId: string;
  /** The participant id on the SFU (and, for WHIP, in the room's call). */
  participant: string;
  etag: string;
  ufrag: string | null;
  /** The last offer (WHIP: the encoder's; ICE restarts are built from it). */
  offer: string;
  /** WHIP: the key it publishes with (checked again for rotation/revocation in a cluster). */
  key: StoredStreamKey | null;
  /** WHEP: whose session token it plays with (null: a public room, anyone). */
  viewer: string | null;
  up: boolean;
  timer: NodeJS.Timeout | null;
}

export interface Created {
  id: string;
  etag: string;
  sdp: string;
  ice: IceConfig;
}

const newToken = (bytes: number): string => randomBytes(bytes).toString('base64url');
const newEtag = (): string => `"${newToken(9)}"`;
/** How often sessions check that their key still works (a key revoked on another cluster node). */
const KEY_CHECK_MS = 5_000;

/**
 * WHIP ingest and WHEP playback sessions. A WHIP session is the room's source: it joins the room's
 * call as an external participant (LiveService.startExternal) and publishes through the SFU seam,
 * so the room's members watch it like a streamer's camera. One source per room (409 otherwise).
 * Session ids are 128-bit random strings: the session URL is the capability to PATCH or DELETE.
 */
export class WhipSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #sfu: SfuBackend | null;
  readonly #live: LiveService;
  readonly #keys: StreamKeyService;
  readonly #options: WhipOptions;
  readonly #off: () => void;
  readonly #keyCheck: NodeJS.Timeout;
  #closed = false;

  constructor(deps: {
    sfu: SfuBackend | null;
    live: LiveService;
    keys: StreamKeyService;
    options: WhipOptions;
  }) {
    this.#sfu = deps.sfu;
    this.#live = deps.live;
    this.#keys = deps.keys;
    this.#options = deps.options;
    this.#off = this.#sfu?.on((e) => this.#onEvent(e)) ?? (() => undefined);
    this.#keys.attach({
      isLive: (keyId) => [...this.#sessions.values()].some((s) => s.key?.id === keyId),
      onCut: (keyId) => {
        for (const s of [...this.#sessions.values()]) if (s.key?.id === keyId) void this.#end(s);
      },
    });
    this.#keyCheck = setInterval(() => void this.#checkKeys(), KEY_CHECK_MS);
    this.#keyCheck.unref();
  }

  #backend(): SfuBackend {
    if (!this.#sfu?.available)
      throw new WhipError(503, 'SFU_UNAVAILABLE', 'No SFU (Janus) is available right now.', 5);
    return this.#sfu;
  }

  #checkSdp(sdp: string): void {
    if (sdp.length === 0 || sdp.length > this.#options.maxSdpBytes)
      throw new WhipError(
        400,
        'INVALID_MESSAGE',
        `The SDP must be 1 to ${this.#options.maxSdpBytes} characters.`,
      );
    if (!sdp.startsWith('v=0')) throw new WhipError(400, 'INVALID_MESSAGE', 'That is not an SDP offer.');
  }

  /** WHIP POST: `key` is the bearer token (verified here), `offer` the encoder's SDP. */
  async publish(roomId: string, presented: string | null, offer: string): Promise<Created> {
    if (presented === null)
      throw new WhipError(401, 'UNAUTHORIZED', 'Send the stream key as "Authorization: Bearer pwk_…".');
    const key = await this.#keys.verify(presented);
    if (!key) throw new WhipError(401, 'UNAUTHORIZED', 'That stream key is unknown or revoked.');
    if (key.roomId !== roomId) throw new WhipError(403, 'FORBIDDEN', 'That stream key is for another room.');
    this.#checkSdp(offer);
    const sfu = this.#backend();
    if (this.#live.externalSource(roomId) || this.#sourceOf(roomId) || this.#live.stageLive(roomId))
      throw new WhipError(
        409,
        'SOURCE_LIVE',
        'A source is already live in this room; DELETE its session first.',
      );
    const session = this.#newSession('whip', roomId, offer);
    session.key = key;
    this.#sessions.set(session.id, session);
    try {
      await this.#live.startExternal(roomId, session.participant, {
        userId: `whip:${key.id}`,
        name: key.displayName,
      });
      const answer = await sfu.publish(roomId, session.participant, offer, { display: key.displayName });
      this.#armTimeout(session);
      return { id: session.id, etag: session.etag, sdp: answer, ice: this.#ice(key.id) };
    } catch (err) {
      await this.#end(session);
      throw mapError(err);
    }
  }

  /**
   * WHEP POST in server-offer mode (Janus 1.1.2 cannot answer a subscriber's offer): the room's
   * source is offered; the player PATCHes its answer. `viewer` was authorized by the caller.
   */
  async play(roomId: string, viewer: string | null): Promise<Created> {
    const sfu = this.#backend();
    const source = this.#live.externalSource(roomId);
    const feed = source && sfu.isPublishing(roomId, source.id) ? source.id : null;
    if (!feed) throw new WhipError(503, 'NOT_LIVE', 'Nothing is live in this room yet.', 5);
    const viewers = [...this.#sessions.values()].filter(
      (s) => s.kind === 'whep' && s.roomId === roomId,
    ).length;
    if (viewers >= this.#options.whepMaxViewers)
      throw new WhipError(503, 'LIMIT_EXCEEDED', 'This room has as many WHEP viewers as it takes.', 30);
    const session = this.#newSession('whep', roomId, '');
    session.viewer = viewer;
    this.#sessions.set(session.id, session);
    try {
      const subscription = await sfu.subscribe(roomId, session.participant, [feed]);
      if (!subscription.offer) throw new WhipError(503, 'NOT_LIVE', 'The source is not up yet.', 2);
      session.offer = subscription.offer;
      session.ufrag = iceUfragOf(subscription.offer);
      this.#armTimeout(session);
      return {
        id: session.id,
        etag: session.etag,
        sdp: subscription.offer,
        ice: this.#ice(viewer ?? 'whep'),
      };
    } catch (err) {
      await this.#end(session);
      throw mapError(err);
    }
  }

  #newSession(kind: 'whip' | 'whep', roomId: string, offer: string): Session {
    const id = newToken(16);
    return {
      id,
      kind,
      roomId,
      participant: `${kind}_${id.slice(0, 12)}`,
      etag: newEtag(),
      ufrag: iceUfragOf(offer),
      offer,
      key: null,
      viewer: null,
      up: false,
      timer: null,
    };
  }

  #armTimeout(s: Session): void {
    s.timer = setTimeout(() => {
      if (!s.up) void this.#end(s);
    }, this.#options.whipSessionTtlSeconds * 1000);
    s.timer.unref();
  }

  #ice(userId: string): IceConfig {
    return iceConfigFor(userId, this.#options);
  }

  #session(id: string, kind: 'whip' | 'whep'): Session {
    const s = this.#sessions.get(id);
    if (!s || s.kind !== kind)
      throw new WhipError(404, 'NOT_FOUND', 'No such session (it ended, or never was).');
    return s;
  }

  /** WHEP PATCH with the player's SDP answer (server-offer mode). */
  async answer(id: string, sdp: string): Promise<void> {
    const s = this.#session(id, 'whep');
    this.#checkSdp(sdp);
    await this.#backend()
      .startSubscriber(s.roomId, s.participant, sdp)
      .catch((err: unknown) => {
        throw mapError(err);
      });
  }

  /**
   * PATCH with an SDP fragment: trickle (`If-Match` = the ETag, 204) or, with `If-Match: *` and
   * new ICE credentials, an ICE restart (200 with the server's fragment and a new ETag).
   */
  async patch(
    id: string,
    kind: 'whip' | 'whep',
    ifMatch: string | undefined,
    fragText: string,
  ): Promise<{ restarted: false } | { restarted: true; etag: string; frag: string }> {
    const s = this.#session(id, kind);
    if (ifMatch === undefined)
      throw new WhipError(428, 'PRECONDITION_REQUIRED', 'Send If-Match with the session ETag.');
    if (fragText.length > this.#options.maxSdpBytes)
      throw new WhipError(
        400,
        'INVALID_MESSAGE',
        `The fragment is limited to ${this.#options.maxSdpBytes} characters.`,
      );
    const frag = parseSdpFrag(fragText);
    const sfu = this.#backend();
    if (ifMatch.trim() === '*') {
      if (!frag.ufrag || !frag.pwd)
        throw new WhipError(400, 'INVALID_MESSAGE', 'An ICE restart needs a=ice-ufrag and a=ice-pwd.');
      if (kind === 'whep')
        throw new WhipError(400, 'INVALID_MESSAGE', 'WHEP ICE restarts: DELETE and play again.');
      const offer = withIceCredentials(s.offer, frag.ufrag, frag.pwd);
      const answer = await sfu.restartPublisher(s.roomId, s.participant, offer).catch((err: unknown) => {
        throw mapError(err);
      });
      s.offer = offer;
      s.ufrag = frag.ufrag;
      s.etag = newEtag();
      await this.#trickle(s, frag);
      return { restarted: true, etag: s.etag, frag: sdpFragOf(answer) };
    }
    if (ifMatch.trim() !== s.etag)
      throw new WhipError(412, 'PRECONDITION_FAILED', 'The ETag does not match this session (it restarted).');
    if (frag.ufrag && s.ufrag && frag.ufrag !== s.ufrag)
      throw new WhipError(
        412,
        'PRECONDITION_FAILED',
        'The fragment is for another ICE session (ufrag differs).',
      );
    await this.#trickle(s, frag);
    return { restarted: false };
  }

  async #trickle(s: Session, frag: ReturnType<typeof parseSdpFrag>): Promise<void> {
    const sfu = this.#backend();
    const target = s.kind === 'whip' ? 'publisher' : 'subscriber';
    for (const c of frag.candidates) {
      await sfu.trickle(s.roomId, s.participant, target, c).catch((err: unknown) => {
        throw mapError(err);
      });
    }
    if (frag.endOfCandidates) await sfu.trickle(s.roomId, s.participant, target, null).catch(() => undefined);
  }

  /** DELETE: the session ends (for WHIP: the source leaves the room's call). */
  async delete(id: string, kind: 'whip' | 'whep'): Promise<void> {
    await this.#end(this.#session(id, kind));
  }

  /** Whether a session exists (for OPTIONS on a session URL). */
  has(id: string, kind: 'whip' | 'whep'): boolean {
    return this.#sessions.get(id)?.kind === kind;
  }

  #sourceOf(roomId: string): Session | undefined {
    for (const s of this.#sessions.values()) if (s.kind === 'whip' && s.roomId === roomId) return s;
    return undefined;
  }

  async #end(s: Session): Promise<void> {
    if (this.#sessions.get(s.id) !== s) return;
    this.#sessions.delete(s.id);
    if (s.timer) clearTimeout(s.timer);
    if (s.kind === 'whip') {
      await this.#live.stopExternal(s.roomId, s.participant).catch(() => undefined);
      await this.#sfu?.unpublish(s.roomId, s.participant).catch(() => undefined);
    } else {
      await this.#sfu?.unsubscribe(s.roomId, s.participant).catch(() => undefined);
    }
  }

  #byParticipant(room: string, participant: string): Session | undefined {
    for (const s of this.#sessions.values()) if (s.roomId === room && s.participant === participant) return s;
    return undefined;
  }

  #onEvent(e: SfuEvent): void {
    switch (e.type) {
      case 'publisher-up':
      case 'subscriber-up': {
        const s = this.#byParticipant(e.room, e.participant);
        if (s) s.up = true;
        return;
      }
      case 'publisher-down': {
        // The encoder hung up or its ICE failed: the source is gone, the room stops being live.
        const s = this.#byParticipant(e.room, e.participant);
        if (s) void this.#end(s);
        return;
      }
      case 'room-lost':
        // Every PeerConnection in the room is gone with its Janus: encoders and players start over.
        for (const s of [...this.#sessions.values()]) if (s.roomId === e.room) void this.#end(s);
        return;
      case 'subscription-offer':
      case 'backend-lost':
      case 'backend-restored':
        return;
    }
  }

  async #checkKeys(): Promise<void> {
    for (const s of [...this.#sessions.values()]) {
      if (!s.key) continue;
      const ok = await this.#keys.stillValid(s.key.id, s.key.keyHash).catch(() => true);
      if (!ok) await this.#end(s);
    }
  }

  /** Whether a key has a live session (the key list's `live`). */
  liveKey(keyId: string): boolean {
    return [...this.#sessions.values()].some((s) => s.key?.id === keyId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keyCheck);
    this.#off();
    for (const s of [...this.#sessions.values()]) await this.#end(s);
  }
}

function mapError(err: unknown): unknown {
  if (err instanceof WhipError) return err;
  if (err instanceof SfuError) {
    if (err.code === 'SFU_UNAVAILABLE') return new WhipError(503, 'SFU_UNAVAILABLE', err.message, 5);
    if (err.code === 'SFU_NOT_FOUND')
      return new WhipError(404, 'NOT_FOUND', 'The session is gone from the SFU.');
    return new WhipError(400, 'SDP_REFUSED', `The SFU refused the SDP: ${err.message}`);
  }
  if (err instanceof PresenceError) {
    if (err.code === 'SFU_UNAVAILABLE') return new WhipError(503, 'SFU_UNAVAILABLE', err.message, 5);
    if (err.code === 'ROOM_NOT_FOUND') return new WhipError(404, 'ROOM_NOT_FOUND', err.message);
    if (err.code === 'LIVE_FULL') return new WhipError(409, 'SOURCE_LIVE', err.message);
    if (err.code === 'INVALID_MESSAGE') return new WhipError(400, 'SDP_REFUSED', err.message);
    if (err.code === 'ROOM_UNAVAILABLE' || err.code === 'STORE_UNAVAILABLE')
      return new WhipError(503, err.code, err.message, 5);
  }
  return err;
}
