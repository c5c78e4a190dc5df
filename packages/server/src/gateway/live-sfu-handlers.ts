import type { RoomOps } from '../routing/room-ops.js';
import type { Handlers } from './handlers.js';

type LiveSfuRequestType =
  | 'live.mode'
  | 'live.settings'
  | 'live.sfu.publish'
  | 'live.sfu.unpublish'
  | 'live.sfu.answer'
  | 'live.sfu.candidate'
  | 'live.sfu.restart'
  | 'live.record';

/** Handlers of the media-mode and SFU requests: the server relays SDP, clients never see Janus. */
export function createLiveSfuHandlers(ops: RoomOps): Pick<Handlers, LiveSfuRequestType> {
  return {
    'live.mode': (ctx, r) => ops.liveMode(r.room, ctx.session.actor, r.mode),
    'live.settings': (ctx, r) =>
      ops.liveSettings(r.room, ctx.session.actor, {
        mediaMode: r.mediaMode,
        streaming: r.streaming,
        streamers: r.streamers,
      }),
    'live.sfu.publish': async (ctx, r) => ({
      sdp: await ops.liveSfuPublish(r.room, ctx.session.actor, r.sdp, r.restart === true),
    }),
    'live.sfu.unpublish': async (ctx, r) => {
      await ops.liveSfuUnpublish(r.room, ctx.session.actor);
      return {};
    },
    'live.sfu.answer': async (ctx, r) => {
      await ops.liveSfuAnswer(r.room, ctx.session.actor, r.sdp);
      return {};
    },
    'live.sfu.candidate': async (ctx, r) => {
      await ops.liveSfuCandidate(r.room, ctx.session.actor, r.target, r.candidate);
      return {};
    },
    'live.record': (ctx, r) => ops.liveRecord(r.room, ctx.session.actor, r.on),
    'live.sfu.restart': async (ctx, r) => {
      await ops.liveSfuRestart(r.room, ctx.session.actor);
      return {};
    },
  };
}
