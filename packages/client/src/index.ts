// The browser-safe entry point: nothing here may import ws, net or any node: module.
export { PresenceClient, type ClientRequestType, type PresenceClientOptions } from './client.js';
export type {
  ClientEventMap,
  ClientEventType,
  ConnectionErrorInfo,
  ConnectionState,
  RecoveryInfo,
  TransientEvent,
} from './client-events.js';
export type { PendingSend, SendFailed, SendSettled } from './pending-sends.js';
export { TypedEmitter, type Listener } from './emitter.js';
export { PresenceClientError, PresenceRequestError, type ClientErrorCode } from './errors.js';
export type { ClientTransport, TransportFactory } from './transport.js';
export { webSocketTransport } from './websocket-transport.js';
export { LineDecoder } from './line-decoder.js';
export {
  uploadFile,
  downloadFile,
  downloadRecording,
  applyReactionEvent,
  UploadError,
  type UploadOptions,
} from './files.js';
export {
  RelayNode,
  type RelayNodeEvents,
  type RelayNodeOptions,
  type RelayMedia,
  type RelayEdge,
  type UpstreamEdge,
  type DownstreamEdge,
  type IcePolicy,
} from './relay-node.js';
