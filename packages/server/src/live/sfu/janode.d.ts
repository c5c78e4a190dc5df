// The part of janode (Meetecho's Janus client, plain JavaScript) that janus-instance.ts uses.
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface Jsep {
    type: 'offer' | 'answer';
    sdp: string;
  }
  /** A raw Janus reply (the plugin's `event`/`success` that closed the transaction). */
  export interface JanusReply {
    plugindata?: { plugin: string; data: Record<string, unknown> };
    jsep?: Jsep;
  }
  export interface JanodeHandle extends EventEmitter {
    readonly id: number;
    message(body: Record<string, unknown>, jsep?: Jsep): Promise<JanusReply>;
    trickle(candidate: Record<string, unknown>): Promise<unknown>;
    trickleComplete(): Promise<unknown>;
    hangup(): Promise<unknown>;
    detach(): Promise<unknown>;
  }
  export interface JanodeSession extends EventEmitter {
    readonly id: number;
    attach(plugin: { id: string; Handle: unknown }): Promise<JanodeHandle>;
    destroy(): Promise<unknown>;
  }
  export interface JanodeConnection extends EventEmitter {
    create(keepaliveSeconds?: number): Promise<JanodeSession>;
    getInfo(): Promise<Record<string, unknown>>;
    close(): Promise<unknown>;
  }
  const Janode: {
    connect(config: {
      address: { url: string; apisecret?: string }[];
      retry_time_secs?: number;
      max_retries?: number;
    }): Promise<JanodeConnection>;
    Logger: { setLevel(level: string): string };
    EVENT: {
      CONNECTION_CLOSED: string;
      CONNECTION_ERROR: string;
      SESSION_DESTROYED: string;
      HANDLE_DETACHED: string;
      HANDLE_HANGUP: string;
      HANDLE_WEBRTCUP: string;
      HANDLE_ICE_FAILED: string;
    };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  const VideoRoomPlugin: { id: string; Handle: unknown; EVENT: Record<string, string> };
  export default VideoRoomPlugin;
}
