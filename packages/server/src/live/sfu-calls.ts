import { PresenceError, type LiveMediaMode } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import {
  SfuError,
  type SfuBackend,
  type SfuCandidate,
  type SfuEvent,
  type SfuSubscription,
} from './sfu/sfu-backend.js';

/** What the SFU side needs to know about a room's call (owned by LiveService). */
export interface SfuCallView {
  /** Participant ids in the call, when it is in SFU mode; null otherwise. */
  sfuParticipants(roomId: string): string[] | null;
  /** The feeds a participant watches (everyone else, or a streaming room's source only). */
  feedsFor(roomId: string, participant: string): string[];
  /** Tell the whole room that its call's SFU was re-created (clients publish again). */
  announceReset(roomId: string): Promise<void>;
}

/**
 * The SFU half of calls: relays SDP and candidates between participants and the SfuBackend,
 * keeps every participant's one subscription equal to "everyone else who publishes", and
 * re-creates a call's SFU room after its Janus went away (then clients publish and answer again).
 */
export class SfuCalls {
  readonly #sfu: SfuBackend | null;
  readonly #broker: Broker;
  readonly #view: SfuCallView;
  /** Rooms whose SFU room was lost while no Janus was up: re-created on backend-restored. */
  readonly #orphaned = new Set<string>();
  /** Per room, the participants that started on the SFU (live.sfu.publish): they get offers. */
  readonly #started = new Map<string, Set<string>>();
  readonly #off: () => void;

  constructor(deps: { sfu: SfuBackend | null; broker: Broker; view: SfuCallView }) {
    this.#sfu = deps.sfu;
    this.#broker = deps.broker;
    this.#view = deps.view;
    this.#off = this.#sfu?.on((e) => void this.#onEvent(e).catch(() => undefined)) ?? (() => undefined);
  }

  get available(): boolean {
    return this.#sfu?.available === true;
  }

  /** The backend, or SFU_UNAVAILABLE. */
  #backend(): SfuBackend {
    if (!this.#sfu?.available) {
      throw new PresenceError(
        'SFU_UNAVAILABLE',
        'No SFU (Janus) is available; calls here stay peer-to-peer.',
      );
    }
    return this.#sfu;
  }

  /** The call moves to (or starts on) the SFU. */
  async open(roomId: string): Promise<void> {
    await guard(this.#backend().ensureRoom(roomId));
  }

  /** The call ended or went back to mesh. */
  async close(roomId: string): Promise<void> {
    this.#orphaned.delete(roomId);
    this.#started.delete(roomId);
    await this.#sfu?.destroyRoom(roomId).catch(() => undefined);
  }

  /** A participant left an SFU call: its PeerConnections go, the others stop watching it. */
  async left(roomId: string, participant: string): Promise<void> {
    if (!this.#sfu) return;
    this.#started.get(roomId)?.delete(participant);
    await this.#sfu.unsubscribe(roomId, participant).catch(() => undefined);
    // publisher-down (when it was up) updates everyone else's subscription.
    await this.#sfu.unpublish(roomId, participant).catch(() => undefined);
  }

  /**
   * A participant starts on the SFU (new publisher, then a new subscription to everyone else who
   * publishes), or with `restart` renegotiates the publisher it has.
   */
  async publish(
    roomId: string,
    participant: string,
    sdp: string,
    display: string,
    restart: boolean,
  ): Promise<string> {
    const sfu = this.#backend();
    await guard(sfu.ensureRoom(roomId));
    if (restart) return guard(sfu.restartPublisher(roomId, participant, sdp));
    await sfu.unsubscribe(roomId, participant);
    const answer = await guard(sfu.publish(roomId, participant, sdp, { display }));
    let started = this.#started.get(roomId);
    if (!started) this.#started.set(roomId, (started = new Set()));
    started.add(participant);
    // After the reply has been sent: the client sets the answer before the offer arrives.
    setImmediate(() => void this.#resubscribe(roomId, participant).catch(() => undefined));
    return answer;
  }

  async unpublish(roomId: string, participant: string): Promise<void> {
    await this.#backend().unpublish(roomId, participant);
  }

  async answer(roomId: string, participant: string, sdp: string): Promise<void> {
    await guard(this.#backend().startSubscriber(roomId, participant, sdp));
  }

  async candidate(
    roomId: string,
    participant: string,
    target: 'publisher' | 'subscriber',
    candidate: SfuCandidate | null,
  ): Promise<void> {
    // A candidate for a PeerConnection the SFU no longer has (it restarted, or the client raced
    // its own publish) is dropped: the next offer/answer carries fresh ones.
    await this.#backend()
      .trickle(roomId, participant, target, candidate)
      .catch((err: unknown) => {
        if (!(err instanceof SfuError && err.code === 'SFU_NOT_FOUND')) throw mapError(err);
      });
  }

  /** ICE restart of the subscriber PeerConnection (or a fresh subscription when there is none). */
  async restart(roomId: string, participant: string): Promise<void> {
    const sfu = this.#backend();
    try {
      const sdp = await sfu.restartSubscriber(roomId, participant);
      const feeds = await sfu.subscribe(roomId, participant, this.#others(roomId, participant));
      await this.#sendOffer(roomId, participant, { ...feeds, offer: sdp });
    } catch (err) {
      if (!(err instanceof SfuError && err.code === 'SFU_NOT_FOUND')) throw mapError(err);
      await this.#resubscribe(roomId, participant);
    }
  }

  #others(roomId: string, participant: string): string[] {
    return this.#view.feedsFor(roomId, participant);
  }

  /** A participant that does not publish (a streaming room's viewer) starts watching. */
  watch(roomId: string, participant: string): void {
    let started = this.#started.get(roomId);
    if (!started) this.#started.set(roomId, (started = new Set()));
    started.add(participant);
    // After the join's reply has been sent: the client is ready for the offer.
    setImmediate(() => void this.#resubscribe(roomId, participant).catch(() => undefined));
  }

  async #resubscribe(roomId: string, participant: string): Promise<void> {
    const sfu = this.#sfu;
    if (!sfu || this.#view.sfuParticipants(roomId) === null) return;
    if (!this.#started.get(roomId)?.has(participant)) return;
    const subscription = await sfu.subscribe(roomId, participant, this.#others(roomId, participant));
    await this.#sendOffer(roomId, participant, subscription);
  }

  async #sendOffer(roomId: string, participant: string, s: SfuSubscription): Promise<void> {
    if (!s.offer) return;
    const streams = s.feeds.map((p) => ({ participant: p, mids: s.mids[p] ?? [] }));
    const json = JSON.stringify({ type: 'live.sfu.offer', room: roomId, sdp: s.offer, streams });
    await this.#broker.sendDirect(participant, json);
  }

  async #onEvent(e: SfuEvent): Promise<void> {
    switch (e.type) {
      case 'publisher-up':
      case 'publisher-down': {
        const everyone = this.#view.sfuParticipants(e.room);
        if (!everyone) return;
        await Promise.all(
          everyone
            .filter((p) => p !== e.participant)
            .map((p) => this.#resubscribe(e.room, p).catch(() => undefined)),
        );
        return;
      }
      case 'subscription-offer':
        await this.#sendOffer(e.room, e.participant, e.subscription);
        return;
      case 'room-lost':
        if (this.#view.sfuParticipants(e.room) === null) return;
        this.#orphaned.add(e.room);
        await this.#recreate(e.room);
        return;
      case 'backend-restored':
        for (const room of [...this.#orphaned]) await this.#recreate(room);
        return;
      case 'subscriber-up':
      case 'backend-lost':
        return;
    }
  }

  /** Place a lost room again (another instance, or the restarted one) and tell its clients. */
  async #recreate(roomId: string): Promise<void> {
    if (!this.#sfu?.available || this.#view.sfuParticipants(roomId) === null) return;
    try {
      await this.#sfu.ensureRoom(roomId);
    } catch {
      return; // still orphaned: backend-restored tries again
    }
    this.#orphaned.delete(roomId);
    this.#started.delete(roomId);
    await this.#view.announceReset(roomId);
  }

  dispose(): void {
    this.#off();
  }
}

/** The effective mode of a call of `size` participants under a room's setting. */
export function modeFor(setting: LiveMediaMode, size: number, meshMax: number): 'mesh' | 'sfu' {
  if (setting === 'auto') return size > meshMax ? 'sfu' : 'mesh';
  return setting;
}

function mapError(err: unknown): unknown {
  if (!(err instanceof SfuError)) return err;
  if (err.code === 'SFU_UNAVAILABLE') return new PresenceError('SFU_UNAVAILABLE', err.message);
  if (err.code === 'SFU_NOT_FOUND')
    return new PresenceError('FORBIDDEN', 'Nothing to answer or trickle to on the SFU.');
  return new PresenceError('INVALID_MESSAGE', `The SFU refused: ${err.message}`);
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw mapError(err);
  }
}
