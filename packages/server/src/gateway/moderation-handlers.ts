import type { ModerationRequestType, ResultOf } from '@presence/protocol';
import type { RoomOps } from '../routing/room-ops.js';
import type { HandlerContext, Handlers } from './handlers.js';

/**
 * Handlers of the moderation requests: each goes to the room's home as one operation, and the
 * result comes back as the schema of its reply says (moderation-service.ts builds it).
 */
export function createModerationHandlers(ops: RoomOps): Pick<Handlers, ModerationRequestType> {
  const run =
    <T extends ModerationRequestType>() =>
    (ctx: HandlerContext, r: Parameters<Handlers[T]>[1]) =>
      ops.moderate(r.room, ctx.session.actor, r) as Promise<ResultOf<T>>;
  return {
    'mod.kick': run<'mod.kick'>(),
    'mod.ban': run<'mod.ban'>(),
    'mod.unban': run<'mod.unban'>(),
    'mod.bans': run<'mod.bans'>(),
    'mod.mute': run<'mod.mute'>(),
    'mod.settings': run<'mod.settings'>(),
    'mod.audit': run<'mod.audit'>(),
    'lobby.knock': run<'lobby.knock'>(),
    'lobby.list': run<'lobby.list'>(),
    'lobby.answer': run<'lobby.answer'>(),
    'chat.report': run<'chat.report'>(),
  };
}
