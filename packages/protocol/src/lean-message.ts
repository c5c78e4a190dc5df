import { z } from 'zod';
import { roomId, seq, timestamp } from './ids.js';
import { messageEvent } from './models.js';
import { escapeText } from './escape-text.js';

/**
 * The protocol versions this package describes. Version 2 differs from 1 in one event only: a
 * live `message` may arrive in the lean shape below. Everything else is the same in both.
 */
export const PROTOCOL_VERSIONS = [1, 2] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/**
 * The sender of a lean message: a user id, or the part before `@` when the user is of the
 * server's own domain (`welcome.server.domain`), so `~p3wfagg6fe` stands for
 * `~p3wfagg6fe@localhost`. Ids without an `@` of their own are never shortened.
 */
export const leanSender = z.string().min(1).max(320);

/**
 * A live `message` event for `v: 2` sessions when the sender is a member of the room: the sender
 * by id only (name and avatar are the member's, from the join snapshot and member events), no
 * `epoch` (a room's epoch does not change while one is in it; it comes with `room.join`), and no
 * `html` when the rendering is the text escaped in one paragraph (`<p>…</p>`). Every other field is
 * as in `messageEvent`. History, join snapshots and replays keep the full shape, which a `v: 2`
 * client must accept as well.
 */
export const leanMessageEvent = messageEvent.omit({ from: true, epoch: true, html: true }).extend({
  from: leanSender,
  room: roomId,
  seq: seq.min(1),
  ts: timestamp,
  /** Present only when it is not `<p>` + the escaped text + `</p>`. */
  html: z.string().optional(),
});
export type LeanMessageEvent = z.infer<typeof leanMessageEvent>;

/** The HTML a lean message without `html` stands for: the text escaped in one paragraph. */
export function plainHtml(text: string): string {
  return `<p>${escapeText(text)}</p>`;
}

/** The sender as a lean message writes it (see leanSender). */
export function shortSender(id: string, domain: string): string {
  const at = id.lastIndexOf('@');
  return at > 0 && id.slice(at + 1) === domain && id.indexOf('@') === at ? id.slice(0, at) : id;
}

/** A lean sender back to the full user id. */
export function fullSender(sender: string, domain: string): string {
  return sender.includes('@') ? sender : `${sender}@${domain}`;
}
