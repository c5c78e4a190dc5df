import { COMMANDS, failureText, type AdminCommand } from './admin-commands.js';
import { OPTIONS } from './ops/config-options.js';
import { ConfigError, loadConfig } from './ops/config.js';
import { openStore } from './store/open-store.js';

/**
 * `presence admin <noun> <verb> [flags]`: operator commands against the server's store, opened
 * from the same configuration as the server (config file, PRESENCE_* environment, and flags such
 * as --data-dir or --database-url given anywhere on the line). Plain-text tables, or JSON with
 * --json. Exit codes: 0 done, 1 the command failed, 2 the command line is wrong.
 */

/** The command line is wrong: exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

export interface AdminIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const CONFIG_FLAGS = new Set(['--config', ...OPTIONS.map((o) => o.flag)]);

export function adminHelp(): string {
  return [
    'Usage: presence admin <noun> <verb> [flags] [--json]',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => [`  ${c.noun} ${c.verb} ${c.args}`.trimEnd(), `      ${c.summary}`]),
    '',
    "The store is the server's: --config FILE, PRESENCE_* variables and the server flags (e.g.",
    '--data-dir DIR, --database-url URL, --database-schema S, --domain D) work as for `presence`.',
    '--json prints JSON instead of text. Exit codes: 0 ok, 1 failed, 2 usage error.',
  ].join('\n');
}

interface ParsedLine {
  positionals: string[];
  flags: Map<string, string>;
  configArgv: string[];
  json: boolean;
  help: boolean;
}

/** Split the line into positionals, command flags (all take a value) and configuration flags. */
function parseLine(argv: readonly string[]): ParsedLine {
  const line: ParsedLine = { positionals: [], flags: new Map(), configArgv: [], json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json') line.json = true;
    else if (arg === '--help' || arg === '-h') line.help = true;
    else if (!arg.startsWith('--')) line.positionals.push(arg);
    else {
      const eq = arg.indexOf('=');
      const flag = eq === -1 ? arg : arg.slice(0, eq);
      let value = eq === -1 ? undefined : arg.slice(eq + 1);
      if (value === undefined) {
        const next = argv[i + 1];
        // A configuration flag may be a bare boolean (--metrics); command flags always take a value.
        if (next !== undefined && !next.startsWith('--')) {
          value = next;
          i++;
        } else if (CONFIG_FLAGS.has(flag)) value = 'true';
        else throw new UsageError(`${flag} needs a value`);
      }
      if (CONFIG_FLAGS.has(flag)) line.configArgv.push(`${flag}=${value}`);
      else if (line.flags.has(flag)) throw new UsageError(`${flag} given twice`);
      else line.flags.set(flag, value);
    }
  }
  return line;
}

/** The command's flags checked against its schema; the first problem is a usage error. */
function commandFlags(command: AdminCommand, given: Map<string, string>): Record<string, unknown> {
  const allowed = Object.keys(command.flags.shape);
  const raw: Record<string, string> = {};
  for (const [flag, value] of given) {
    const name = flag.slice(2);
    if (!allowed.includes(name))
      throw new UsageError(`unknown flag ${flag} for ${command.noun} ${command.verb}`);
    raw[name] = value;
  }
  const parsed = command.flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0];
    const what = name === undefined ? '' : `--${String(name)}: `;
    throw new UsageError(`${what}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function findCommand(positionals: string[]): AdminCommand {
  const [noun, verb] = positionals;
  if (noun === undefined) throw new UsageError('missing a command, e.g. "service-keys list"');
  const ofNoun = COMMANDS.filter((c) => c.noun === noun);
  if (ofNoun.length === 0) throw new UsageError(`unknown command "${noun}"`);
  const command = ofNoun.find((c) => c.verb === verb);
  if (!command) {
    const verbs = ofNoun.map((c) => c.verb).join(', ');
    throw new UsageError(`${noun} ${verb === undefined ? 'needs a verb' : `has no "${verb}"`} (${verbs})`);
  }
  const extra = positionals.length - 2;
  if (extra !== command.positionals) {
    throw new UsageError(`usage: presence admin ${command.noun} ${command.verb} ${command.args}`.trimEnd());
  }
  return command;
}

/** Run one admin command line; resolves with the exit code. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  let line: ParsedLine;
  let command: AdminCommand;
  let flags: Record<string, unknown>;
  let config;
  try {
    line = parseLine(argv);
    if (line.help) {
      io.out(adminHelp());
      return 0;
    }
    command = findCommand(line.positionals);
    flags = commandFlags(command, line.flags);
    config = loadConfig({ argv: line.configArgv, env: io.env });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`presence admin: ${err.message} (see presence admin --help)`);
      return 2;
    }
    throw err;
  }

  let store;
  try {
    store = await openStore({
      databaseUrl: config.databaseUrl || undefined,
      databaseSchema: config.databaseSchema || undefined,
      dataDir: config.dataDir,
    });
  } catch (err) {
    io.err(`presence admin: cannot open the store: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  try {
    const output = await command.run(
      { store, domain: config.domain, dataDir: config.dataDir, secret: config.serverSecret },
      flags,
      line.positionals.slice(2),
    );
    io.out(line.json ? JSON.stringify(output.json, null, 2) : output.text);
    return 0;
  } catch (err) {
    // Failures are one line; anything unforeseen too (its message, not a stack trace).
    const text = failureText(err) ?? (err instanceof Error ? err.message : String(err));
    io.err(`presence admin: ${text}`);
    return 1;
  } finally {
    await store.close();
  }
}
