export { createPresenceServer, VERSION, type PresenceServer } from './server.js';
export {
  loadConfig,
  validateConfig,
  defaultConfig,
  helpText,
  ConfigError,
  type Config,
} from './ops/config.js';
export { OPTIONS } from './ops/config-options.js';
