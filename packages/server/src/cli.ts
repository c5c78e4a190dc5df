#!/usr/bin/env node
import { ConfigError, helpText, loadConfig } from './ops/config.js';
import { createPresenceServer } from './server.js';

/** `presence [flags]`: start a server. SIGINT/SIGTERM shut it down gracefully. */
async function main(argv: string[]): Promise<void> {
  // `presence admin …` works on the store, not a server (admin-cli.ts).
  if (argv[0] === 'admin') {
    const { runAdmin } = await import('./admin-cli.js');
    const io = { out: (t: string) => console.log(t), err: (t: string) => console.error(t), env: process.env };
    process.exit(await runAdmin(argv.slice(1), io));
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  if (argv.includes('--version')) {
    const { VERSION } = await import('./server.js');
    console.log(VERSION);
    return;
  }
  const config = loadConfig({ argv, env: process.env });
  const server = await createPresenceServer(config);
  const { httpPort, tcpPort } = await server.listen();
  console.log(
    `Presence is running: http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${httpPort}` +
      (tcpPort !== null ? `  (TCP ${tcpPort})` : '') +
      `  store: ${server.store.kind}`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    server.log.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`presence: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
