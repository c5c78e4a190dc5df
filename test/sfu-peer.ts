/**
 * A call participant in SFU mode driven from Node: a RawClient for signaling, a werift publisher
 * (fed by a shared Vp8Source, optional) and a werift subscriber that answers every live.sfu.offer.
 * It follows live.mode events like the web app does: on `sfu` (grew, setting, reset) it drops its
 * SFU PeerConnections and publishes again. Used by the SFU integration tests and the bench.
 */
import type { Json, RawClient } from './raw-client.js';
import { type Vp8Source, WeriftPublisher, WeriftSubscriber } from './werift-peers.js';

export class SfuPeer {
  publisher: WeriftPublisher | null = null;
  subscriber: WeriftSubscriber | null = null;
  /** How many live.sfu.offer events were answered. */
  offers = 0;
  /** How many times the peer (re)started on the SFU. */
  starts = 0;
  /** The streams of the last offer. */
  streams: { participant: string; mids: string[] }[] = [];
  #running = true;
  #loop: Promise<void>;
  #work: Promise<unknown> = Promise.resolve();

  constructor(
    readonly client: RawClient,
    readonly room: string,
    readonly source: Vp8Source | null,
  ) {
    this.#loop = this.#run();
  }

  /** Start (or restart) on the SFU: close old PeerConnections, publish when there is a source. */
  startSfu(): Promise<unknown> {
    this.#work = this.#work.then(() => this.#start()).catch(() => undefined);
    return this.#work;
  }

  async #start(): Promise<void> {
    this.starts++;
    await this.publisher?.close();
    await this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    if (!this.source) return;
    const pub = new WeriftPublisher(this.source);
    this.publisher = pub;
    const { sdp } = (await this.client.ok('live.sfu.publish', {
      room: this.room,
      sdp: await pub.offer(),
    })) as {
      sdp: string;
    };
    await pub.answer(sdp);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let m: Json;
      try {
        m = await this.client.next(
          (x) => (x['type'] === 'live.sfu.offer' || x['type'] === 'live.mode') && x['room'] === this.room,
          1_000,
        );
      } catch {
        continue;
      }
      if (!this.#running) return;
      if (m['type'] === 'live.mode') {
        if (m['mode'] === 'sfu') void this.startSfu();
        continue;
      }
      const offer = m['sdp'] as string;
      this.streams = m['streams'] as SfuPeer['streams'];
      this.#work = this.#work
        .then(async () => {
          this.subscriber ??= new WeriftSubscriber();
          const answer = await this.subscriber.answer(offer);
          await this.client.ok('live.sfu.answer', { room: this.room, sdp: answer });
          this.offers++;
        })
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#running = false;
    await this.publisher?.close();
    await this.subscriber?.close();
    this.client.close();
    void this.#loop;
  }
}
