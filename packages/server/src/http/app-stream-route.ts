import { PresenceError } from '@presence/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppStreams } from '../apps/app-streams.js';
import type { Logger } from '../ops/logger.js';
import type { AppStore, StoredApp, StoredUpdate } from '../store/app-store.js';

/** Updates read from the outbox at a time. */
const PAGE = 500;
/** Other nodes' writes are not signalled here: look at least this often. */
const POLL_MS = 1_000;
/** A reader that stops reading is cut off after this long (excessive lag), not buffered forever. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface StreamDeps {
  app: StoredApp;
  /** null: from now on. */
  cursor: number | null;
  store: AppStore;
  streams: AppStreams;
  heartbeatMs: number;
  log: Logger;
}

function line(u: StoredUpdate): Record<string, unknown> {
  return {
    type: 'presence',
    cursor: String(u.seq),
    user: u.appUserId,
    state: u.state,
    since: u.since,
    ...(u.status !== null ? { status: u.status } : {}),
  };
}

/**
 * One app's stream: NDJSON by default, SSE with `Accept: text/event-stream`. It starts after the
 * given cursor (replaying what is kept, in order) or at the newest update, then follows the outbox
 * until the client goes, another stream of the app replaces it, or the server shuts down.
 */
export async function serveAppStream(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: StreamDeps,
): Promise<void> {
  const { app, store } = deps;
  let cursor: number;
  if (deps.cursor === null) cursor = await store.latestSeq(app.id);
  else {
    cursor = deps.cursor;
    // A cursor whose update is no longer kept may have lost what followed it: say so, unless
    // nothing came after it anyway.
    if (cursor > 0 && !(await store.hasUpdate(app.id, cursor)) && (await store.latestSeq(app.id)) > cursor) {
      const oldest = await store.oldestSeq(app.id);
      if (oldest === null || oldest > cursor) throw new PresenceError('CURSOR_EXPIRED');
    }
  }
  const sse = (req.headers.accept ?? '').includes('text/event-stream');
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.socket?.setNoDelay(true);
  // A stream is long-lived by design: no request or idle timeout applies.
  res.socket?.setTimeout(0);
  req.raw.setTimeout?.(0);

  let ended = false;
  let woken = false;
  let wakeUp: (() => void) | null = null;
  const wake = (): void => {
    woken = true;
    wakeUp?.();
  };
  const finish = (): void => {
    if (ended) return;
    ended = true;
    wake();
  };
  res.on('close', finish);

  const send = async (chunk: string): Promise<void> => {
    if (ended) return;
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        res.destroy();
        resolve();
      }, DRAIN_TIMEOUT_MS);
      res.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  let replaced = false;
  const unregister = await deps.streams.open(app.id, {
    wake,
    replaced: () => {
      replaced = true;
      finish();
    },
  });
  if (sse) await send('retry: 2000\n\n');
  let lastWrite = Date.now();
  try {
    while (!ended) {
      woken = false;
      const updates = await store.updatesAfter(app.id, cursor, PAGE);
      if (updates.length > 0) {
        let chunk = '';
        for (const u of updates) {
          const json = JSON.stringify(line(u));
          chunk += sse ? `id: ${u.seq}\nevent: presence\ndata: ${json}\n\n` : `${json}\n`;
          cursor = u.seq;
        }
        await send(chunk);
        lastWrite = Date.now();
        if (updates.length === PAGE) continue;
      }
      if (ended) break;
      const quiet = Date.now() - lastWrite;
      if (quiet >= deps.heartbeatMs) {
        await send(sse ? ': heartbeat\n\n' : `${JSON.stringify({ type: 'heartbeat', at: Date.now() })}\n`);
        lastWrite = Date.now();
      }
      if (woken || ended) continue;
      const wait = Math.max(10, Math.min(POLL_MS, deps.heartbeatMs - (Date.now() - lastWrite)));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  } catch (err) {
    deps.log.warn({ err, app: app.id }, 'app stream ended by an error');
  } finally {
    unregister();
    if (!res.destroyed && !res.writableEnded) {
      if (replaced)
        res.write(sse ? 'event: replaced\ndata: {}\n\n' : `${JSON.stringify({ type: 'replaced' })}\n`);
      res.end();
    }
  }
}
