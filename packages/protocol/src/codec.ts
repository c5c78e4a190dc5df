import type { z } from 'zod';
import {
  notificationSchemas,
  requestSchemas,
  type ClientMessage,
  type NotificationType,
  type RequestType,
} from './client-messages.js';
import type { ErrorCode } from './errors.js';
import type { RequestId } from './ids.js';
import { HARD_LIMITS, requestId } from './ids.js';

export type DecodeResult =
  { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string; id?: RequestId };

function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(requestSchemas, type);
}
function isNotificationType(type: string): type is NotificationType {
  return Object.hasOwn(notificationSchemas, type);
}

/** Summarise a zod failure in one line a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

const ROOM_ID = /^[A-Za-z0-9_-]+$/;

/** A string zod's `min(1).max(max)` takes for sure: code points ≤ UTF-16 units, so units bound both. */
function shortString(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= max;
}

/**
 * The common `chat.send` (`type`, `id`, `room`, `text`, optionally `nonce`, nothing else), checked by
 * hand: the same value `requestSchemas['chat.send']` gives, without zod's per-field machinery. Null
 * for anything else (other fields, other types, a string longer in UTF-16 units than the limit in
 * code points, anything invalid): zod decides those, so what is refused, and how, is zod's alone.
 * Kept equal by packages/protocol/test/unit/codec.test.ts (exported for it; servers call
 * decodeClientMessage).
 */
export function fastChatSend(record: Record<string, unknown>): ClientMessage | null {
  let keys = 0;
  for (const key in record) {
    if (key !== 'type' && key !== 'id' && key !== 'room' && key !== 'text' && key !== 'nonce') return null;
    keys++;
  }
  const { type, id, room, text, nonce } = record;
  if (type !== 'chat.send') return null;
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < 0 || id > Number.MAX_SAFE_INTEGER) return null;
  } else if (!shortString(id, HARD_LIMITS.idLength)) {
    return null;
  }
  if (!shortString(room, HARD_LIMITS.roomIdLength) || !ROOM_ID.test(room)) return null;
  if (!shortString(text, HARD_LIMITS.textLength)) return null;
  if (nonce === undefined) {
    // A present key with no value cannot come out of JSON.parse; the count says it is absent.
    return keys === 4 ? { type: 'chat.send', id, room, text } : null;
  }
  if (!shortString(nonce, HARD_LIMITS.nonceLength)) return null;
  return { type: 'chat.send', id, room, text, nonce };
}

/**
 * Decode one frame from a client: JSON, then the schema its `type` names (a `chat.send` of the
 * common shape by fastChatSend, with the same outcome). Never throws; the error says which code to answer with and, when known, the request id.
 */
export function decodeClientMessage(frame: string): DecodeResult {
  return decode(frame, true);
}

/**
 * The same decoding by the schemas alone, with no hand-written shortcut: the reference the fast
 * path is tested against (it gives the very same results, only slower).
 */
export function decodeClientMessageBySchema(frame: string): DecodeResult {
  return decode(frame, false);
}

function decode(frame: string, fast: boolean): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, code: 'PROTOCOL_ERROR', message: 'The frame is not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'PROTOCOL_ERROR', message: 'A message must be a JSON object.' };
  }
  const record = value as Record<string, unknown>;
  if (fast && record['type'] === 'chat.send') {
    const message = fastChatSend(record);
    if (message !== null) return { ok: true, message };
  }
  const idCheck = requestId.safeParse(record['id']);
  const id = idCheck.success ? idCheck.data : undefined;
  const type = record['type'];
  if (typeof type !== 'string') {
    return { ok: false, code: 'PROTOCOL_ERROR', message: 'A message needs a string "type".', id };
  }
  if (isRequestType(type)) {
    if (id === undefined) {
      return { ok: false, code: 'INVALID_MESSAGE', message: `"${type}" is a request and needs an "id".` };
    }
    const parsed = requestSchemas[type].safeParse(value);
    if (!parsed.success) {
      return { ok: false, code: 'INVALID_MESSAGE', message: describeIssues(parsed.error), id };
    }
    return { ok: true, message: parsed.data as ClientMessage };
  }
  if (isNotificationType(type)) {
    const parsed = notificationSchemas[type].safeParse(value);
    if (!parsed.success) {
      return { ok: false, code: 'INVALID_MESSAGE', message: describeIssues(parsed.error) };
    }
    return { ok: true, message: parsed.data };
  }
  return { ok: false, code: 'UNKNOWN_TYPE', message: `Unknown message type "${type.slice(0, 64)}".`, id };
}
