import type { RoomEvent } from '@presence/protocol';
import type { RecentEntry } from '../broker/broker.js';
import { applyReaction } from '../shared/reaction-map.js';

type MessageEvent = Extract<RoomEvent, { type: 'message' }>;

/**
 * A message of an unnamed room in its current state, from the recent window (which keeps events
 * as they happened): later edits, deletes and reactions applied in order. Undefined when the
 * message is not in the window or is deleted. `entries` start at the message's seq.
 */
export function messageFromWindow(entries: readonly RecentEntry[], seq: number): MessageEvent | undefined {
  const first = entries[0];
  if (!first || first.seq !== seq) return undefined;
  const start = JSON.parse(first.json) as RoomEvent;
  if (start.type !== 'message' || start.deleted === true) return undefined;
  let message: MessageEvent = start;
  for (const entry of entries.slice(1)) {
    // Events are serialized with `type` first: only these three can change a message.
    if (!entry.json.startsWith('{"type":"message.') && !entry.json.startsWith('{"type":"reaction"')) {
      continue;
    }
    const e = JSON.parse(entry.json) as RoomEvent;
    if (e.type === 'message.deleted' && e.target === seq) return undefined;
    if (e.type === 'message.edited' && e.target === seq) {
      message = { ...message, text: e.text, html: e.html, edited: e.ts };
    } else if (e.type === 'reaction' && e.target === seq) {
      const reactions = applyReaction(message.reactions, e.by.id, e.emoji, e.on);
      const { reactions: _old, ...rest } = message;
      message = reactions ? { ...rest, reactions } : rest;
    }
  }
  return message;
}
