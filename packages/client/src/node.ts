// The Node entry point: everything from the browser-safe one, plus transports built on ws and net.
export * from './index.js';
export { tcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export { wsTransport, type WsTransportOptions } from './ws-transport.js';
