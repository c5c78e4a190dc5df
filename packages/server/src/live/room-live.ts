import type { LiveStreamState, RoomLive } from '@presence/protocol';

/**
 * What a directory says is live in a room: a stream while a source is on its stage (viewers are
 * everyone else in the call), else a call while anyone is in it. A streaming room waiting for its
 * source is not live: nothing would be there to watch.
 */
export function roomLiveOf(
  call: { participants: number; startedAt: number } | null,
  stream: LiveStreamState | null,
): RoomLive | null {
  if (stream) {
    return stream.state === 'live' && stream.since !== null
      ? { kind: 'stream', viewers: stream.viewers, since: stream.since }
      : null;
  }
  if (!call || call.participants === 0) return null;
  return { kind: 'call', participants: call.participants, since: call.startedAt };
}
