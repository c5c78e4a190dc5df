import type { NotifyLevel, RoomEvent } from '@presence/protocol';

export type MessageEvent = Extract<RoomEvent, { type: 'message' }>;
export type { NotifyLevel };
