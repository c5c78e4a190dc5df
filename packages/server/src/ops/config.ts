import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { OPTIONS, type Option } from './config-options.js';

/**
 * The server's validated configuration: one field per option of the table, typed as its schema's
 * output. Derived, so adding an option to the table is the whole change.
 */
export type Config = { -readonly [O in Option as O['key']]: z.output<O['schema']> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The table as a zod object shape: key → schema. */
type ConfigShape = { -readonly [O in Option as O['key']]: O['schema'] };

// Object.fromEntries cannot keep per-key types; the shape type restores them from the same table.
const configSchema = z.object(Object.fromEntries(OPTIONS.map((o) => [o.key, o.schema])) as ConfigShape);

export function defaultConfig(): Config {
  // The defaults go through the schemas too, which also checks them.
  return configSchema.parse(Object.fromEntries(OPTIONS.map((o) => [o.key, o.default])));
}

/** Validate a full set of raw values (strings from env/flags are coerced). */
export function validateConfig(raw: Record<string, unknown>): Config {
  const unknownKeys = Object.keys(raw).filter((k) => !OPTIONS.some((o) => o.key === k));
  if (unknownKeys.length > 0) throw new ConfigError(`unknown option(s): ${unknownKeys.join(', ')}`);
  const parsed = configSchema.safeParse({ ...defaultConfig(), ...raw });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${why}`);
  }
  const config: Config = parsed.data;
  if (config.heartbeatTimeoutMs < 100) throw new ConfigError('heartbeatTimeoutMs must be at least 100');
  if (config.historyPageDefault > config.historyPageMax) {
    throw new ConfigError('historyPageDefault must not exceed historyPageMax');
  }
  // Federation from a cluster is not built: every node would send its own batches and keep its
  // own replay table (docs/federation.md, "Limits"). Refuse it rather than misbehave.
  if (config.federation && config.redisUrl !== '') {
    throw new ConfigError(
      'federation with a Redis cluster (redisUrl) is not supported yet; run federation on a single node',
    );
  }
  return config;
}

export interface ConfigSources {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Parse `--flag value`, `--flag=value` and bare boolean `--flag`; `--config FILE` picks a JSON file. */
function parseFlags(argv: readonly string[]): { values: Record<string, string>; configFile?: string } {
  const values: Record<string, string> = {};
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    if (flag === '--config') {
      configFile = value ?? argv[++i];
      if (!configFile) throw new ConfigError('--config needs a file');
      continue;
    }
    const spec = OPTIONS.find((o) => o.flag === flag);
    if (!spec) throw new ConfigError(`unknown flag ${flag} (see --help)`);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else value = 'true';
    }
    values[spec.key] = value;
  }
  return { values, configFile };
}

/**
 * Resolve the configuration: defaults < config file < PRESENCE_* environment < CLI flags.
 * `DATABASE_URL` is honoured as an alias of PRESENCE_DATABASE_URL.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const flags = parseFlags(sources.argv ?? []);
  const fromFile: Record<string, unknown> = {};
  const file = flags.configFile ?? env['PRESENCE_CONFIG'];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      Object.assign(fromFile, JSON.parse(text) as Record<string, unknown>);
    } catch {
      throw new ConfigError(`config file ${file} is not valid JSON`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  if (env['DATABASE_URL']) fromEnv['databaseUrl'] = env['DATABASE_URL'];
  for (const o of OPTIONS) {
    const v = env[o.env];
    if (v !== undefined && v !== '') fromEnv[o.key] = v;
  }
  return validateConfig({ ...fromFile, ...fromEnv, ...flags.values });
}

export function helpText(): string {
  const lines = [
    'Usage: presence [--config FILE] [--option value …]   start a server',
    '       presence admin <noun> <verb> [flags] [--json]  manage the store (presence admin --help)',
    '',
    'From a checkout: npx presence … (after npm run build) or npm start -- ….',
    '',
    'Precedence: defaults < config file (JSON, --config or PRESENCE_CONFIG) < environment < flags.',
    '',
  ];
  for (const o of OPTIONS) {
    lines.push(`  ${o.flag.padEnd(28)} ${o.env}`);
    lines.push(`      ${o.description} (default: ${JSON.stringify(o.default)})`);
  }
  return lines.join('\n');
}
