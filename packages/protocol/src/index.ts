export * from './errors.js';
export * from './ids.js';
export * from './models.js';
export * from './client-messages.js';
export * from './server-messages.js';
export * from './codec.js';
export * from './live.js';
export * from './presence.js';
