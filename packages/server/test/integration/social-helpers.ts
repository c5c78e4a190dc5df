import type { TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/** Helpers shared by the contacts and direct-message tests. */

export interface Account {
  id: string;
  name: string;
  token: string;
}

let n = 0;

/** Register a local account over REST (contacts need accounts) and return its id and token. */
export async function register(srv: TestServer, name: string): Promise<Account> {
  const username = `${name.toLowerCase()}${++n}${Math.random().toString(36).slice(2, 6)}`;
  const res = await fetch(`${srv.httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', name }),
  });
  const body = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body['userId'] as string, name, token: body['token'] as string };
}

/** A session of `account` over TCP (or a guest when no account is given), hello done. */
export async function connect(srv: TestServer, account?: Account, name = 'Guest'): Promise<RawClient> {
  const c = await RawClient.tcp(srv.tcp.port);
  await c.hello(account?.name ?? name, account ? { token: account.token } : {});
  return c;
}

/** A guest session, and the user id the server gave it. */
export async function connectGuest(srv: TestServer, name = 'Guest'): Promise<{ c: RawClient; id: string }> {
  const c = await RawClient.tcp(srv.tcp.port);
  const welcome = await c.hello(name);
  return { c, id: welcome['userId'] as string };
}

/** The error code of a reply, or 'ok'. */
export function codeOf(reply: Json): string {
  return reply['type'] === 'ok' ? 'ok' : String(reply['code']);
}

/**
 * Everything the server had sent to `c` before it answered a ping sent now: a way to assert that
 * an event did NOT arrive (the server writes a session's frames in order).
 */
export async function settle(c: RawClient): Promise<void> {
  await c.ok('ping');
}

/** Events of `type` received (and not yet consumed) by `c`. */
export function eventsOf(c: RawClient, type: string): Json[] {
  return c.received.filter((m) => m['type'] === type);
}

/**
 * The next `dm` event. Not RawClient.event: that one skips messages with an `id` (replies), and a
 * `dm` event carries the message's id.
 */
export function nextDm(c: RawClient): Promise<Json> {
  return c.next((m) => m['type'] === 'dm');
}

/** The user as UserRef, as events and lists show it. */
export function ref(a: Account): Json {
  return { id: a.id, name: a.name, avatar: `/avatars/${encodeURIComponent(a.id)}.svg` };
}
