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
import { requestId } from './ids.js';

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

/**
 * Decode one frame from a client: JSON, then the schema its `type` names.
 * Never throws; the error says which code to answer with and, when known, the request id.
 */
export function decodeClientMessage(frame: string): DecodeResult {
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
