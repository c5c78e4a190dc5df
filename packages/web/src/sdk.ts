/** The one place the web app constructs `@presence/client`; request errors are read here too. */
import { PresenceClient, webSocketTransport, type ConnectionState } from '@presence/client';
import { webSocketUrl } from './format.ts';

export type ChatClient = PresenceClient;
export type ConnState = Exclude<ConnectionState, 'idle'>;

/** A client of this server, or (`url`: its base URL) of another one. */
export function createClient(opts: { name: string; token?: string | null; url?: string }): ChatClient {
  return new PresenceClient({
    transport: webSocketTransport(webSocketUrl(opts.url ? new URL(opts.url) : location)),
    name: opts.name,
    clientName: 'web',
    ...(opts.token ? { token: opts.token } : {}),
  });
}

/** The error code of a failed request, if it has one (`ROOM_NOT_FOUND`, `NOT_IMPLEMENTED`, …). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A message for a person, from whatever a request rejected with. */
export function errorText(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const message = (err as { message: unknown }).message;
    if (typeof message === 'string' && message) return message;
  }
  return 'Something went wrong.';
}
