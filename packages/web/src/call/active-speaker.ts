/** What the active-speaker logic needs of a call tile. */
export interface SpeakerTile {
  participant: string;
  self: boolean;
  screen: boolean;
  speaking: boolean;
  audioOn: boolean;
}

/**
 * The active speaker: the remote participant who started speaking last (the speaking flags come
 * from every client's own voice detection, relayed as live.media {speaking}). It stays active
 * through the pauses between words and after they stop, until someone else speaks or they leave,
 * so the layout does not jump with every silence.
 */
export class ActiveSpeaker {
  id: string | null = null;
  readonly #since = new Map<string, number>();
  #clock = 0;

  update(tiles: readonly SpeakerTile[]): string | null {
    const speaking = tiles.filter((m) => !m.self && !m.screen && m.speaking && m.audioOn);
    const now = new Set(speaking.map((m) => m.participant));
    for (const id of [...this.#since.keys()]) if (!now.has(id)) this.#since.delete(id);
    for (const m of speaking)
      if (!this.#since.has(m.participant)) this.#since.set(m.participant, ++this.#clock);
    let latest: string | null = null;
    let at = -1;
    for (const [id, t] of this.#since) if (t > at) [latest, at] = [id, t];
    if (latest !== null) this.id = latest;
    else if (!tiles.some((m) => !m.self && m.participant === this.id)) this.id = null;
    return this.id;
  }
}

/** The active speaker's camera tile first (so it is on the first page), everything else in order. */
export function promote<T extends SpeakerTile>(tiles: readonly T[], active: string | null): T[] {
  const i = tiles.findIndex((m) => m.participant === active && !m.self && !m.screen);
  if (i <= 0) return [...tiles];
  return [tiles[i] as T, ...tiles.slice(0, i), ...tiles.slice(i + 1)];
}
