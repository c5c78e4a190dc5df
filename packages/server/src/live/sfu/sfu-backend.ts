/**
 * The seam between the live service and the SFU. The live service speaks in Presence terms (room
 * ids, participant ids = session ids, SDP strings); an implementation (JanusPool over janode)
 * owns everything Janus: connections, sessions, handles, keepalives, numeric room and feed ids,
 * and placement of rooms on instances. Clients never see any of it: the server relays SDP and
 * candidates, so Presence alone decides who may publish or watch.
 *
 * Lifecycle of a participant in an SFU room:
 *   ensureRoom → publish(offer) → answer … publisher-up event
 *   subscribe(feeds) → offer (server-offer, Janus 1.x multistream) → startSubscriber(answer)
 *   subscribe(other feeds) → new offer (or null when nothing changed) → startSubscriber(answer)
 *   trickle(…), restartPublisher / restartSubscriber (ICE restart), unpublish / unsubscribe.
 * A backend instance that dies emits `room-lost` for each of its rooms (every PeerConnection in
 * them is gone); the next ensureRoom places the room again, on another instance when there is one.
 */

/** One ICE candidate as a browser's RTCIceCandidateInit; null = end of candidates. */
export interface SfuCandidate {
  candidate: string;
  sdpMid?: string | null | undefined;
  sdpMLineIndex?: number | null | undefined;
}

export interface SfuRoomOptions {
  /** Record every publisher (Janus `.mjr` files) into `recordDir`. */
  record?: boolean | undefined;
  /** Where recordings go (absolute path on the Janus host). */
  recordDir?: string | undefined;
  /** Publishers allowed at once. */
  maxPublishers?: number | undefined;
  /**
   * Video codecs publishers may send, in order of preference (default VP8 then H.264: browsers
   * send VP8, encoders such as OBS over WHIP often H.264 constrained baseline).
   */
  videoCodecs?: ('vp8' | 'h264' | 'vp9')[] | undefined;
}

export interface SfuSubscription {
  /** The SDP offer to answer with startSubscriber, or null when the subscription did not change. */
  offer: string | null;
  /** The publishers (participant ids) the subscription now carries, in m-line order. */
  feeds: string[];
  /** Per feed, the mids of its streams in the subscriber PeerConnection. */
  mids: Record<string, string[]>;
}

export type SfuEvent =
  /** A publisher's PeerConnection is up: it can be subscribed to now (before that: "428 No such feed"). */
  | { type: 'publisher-up'; room: string; participant: string }
  /** A publisher hung up, unpublished, or its PeerConnection failed. */
  | { type: 'publisher-down'; room: string; participant: string }
  /**
   * A subscription changed while its previous offer was unanswered (publishers came or went): a
   * new offer for the participant, to relay and answer with startSubscriber.
   */
  | { type: 'subscription-offer'; room: string; participant: string; subscription: SfuSubscription }
  /** A subscriber's PeerConnection is up (media can flow). */
  | { type: 'subscriber-up'; room: string; participant: string }
  /** The room's backend instance went away: every publisher and subscriber in it is gone. */
  | { type: 'room-lost'; room: string }
  /** An instance stopped answering (connection closed); `rooms` were on it. */
  | { type: 'backend-lost'; instance: string; rooms: string[] }
  /** An instance answers again (a fresh Janus: it has no rooms). */
  | { type: 'backend-restored'; instance: string };

export interface SfuInstanceStatus {
  /** A name for logs (the URL without credentials). */
  name: string;
  up: boolean;
  rooms: number;
}

export interface SfuBackend {
  /** True while at least one instance is up. */
  readonly available: boolean;
  status(): SfuInstanceStatus[];

  /** Create the room on the least loaded instance (no-op when it exists). */
  ensureRoom(room: string, options?: SfuRoomOptions): Promise<void>;
  /** Destroy the room and every handle in it (no-op when unknown). */
  destroyRoom(room: string): Promise<void>;
  hasRoom(room: string): boolean;

  /**
   * Publish `participant`'s media: takes the client's offer, returns Janus's answer. Also how an
   * external source (WHIP) publishes: its participant id is the WHIP session's.
   */
  publish(room: string, participant: string, offer: string, options?: { display?: string }): Promise<string>;
  /**
   * Renegotiate a publisher (new tracks, or ICE restart when the offer has a new ice-ufrag/pwd:
   * WHIP's PATCH with `If-Match: *` becomes such an offer).
   */
  restartPublisher(room: string, participant: string, offer: string): Promise<string>;
  unpublish(room: string, participant: string): Promise<void>;
  /** Whether `participant` publishes and its PeerConnection is up. */
  isPublishing(room: string, participant: string): boolean;

  /**
   * Make `participant`'s one subscriber PeerConnection carry exactly `feeds` (publisher participant
   * ids). Feeds whose publisher is not up yet are left out (subscribe again on `publisher-up`).
   */
  subscribe(room: string, participant: string, feeds: string[]): Promise<SfuSubscription>;
  /** The client's answer to the last subscription offer. */
  startSubscriber(room: string, participant: string, answer: string): Promise<void>;
  /** ICE restart of the subscriber PeerConnection: a new offer to answer with startSubscriber. */
  restartSubscriber(room: string, participant: string): Promise<string>;
  unsubscribe(room: string, participant: string): Promise<void>;

  /** A client's ICE candidate for its publisher or subscriber PeerConnection. */
  trickle(
    room: string,
    participant: string,
    target: 'publisher' | 'subscriber',
    candidate: SfuCandidate | null,
  ): Promise<void>;

  /** Server-side mute: stop relaying a publisher's audio and/or video (true = muted). */
  moderate(room: string, participant: string, mute: { audio?: boolean; video?: boolean }): Promise<void>;
  /** The Janus feed id of a participant's publisher (it names the publisher's recording files). */
  feedOf(room: string, participant: string): number | undefined;
  /** Start or stop recording every publisher of the room. */
  setRecording(room: string, on: boolean, recordDir?: string): Promise<void>;

  /** Listen to events; returns the function that stops listening. */
  on(listener: (event: SfuEvent) => void): () => void;
  /** Drop every connection (idempotent). */
  close(): Promise<void>;
}

/** The error a backend operation throws; `code` is stable, `janusCode` is Janus's when it said one. */
export class SfuError extends Error {
  readonly code: 'SFU_UNAVAILABLE' | 'SFU_FAILED' | 'SFU_NOT_FOUND';
  readonly janusCode: number | undefined;
  constructor(code: SfuError['code'], message: string, janusCode?: number) {
    super(message);
    this.name = 'SfuError';
    this.code = code;
    this.janusCode = janusCode;
  }
}
