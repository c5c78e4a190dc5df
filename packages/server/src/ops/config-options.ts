import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every configuration option in one table: its key, environment variable, CLI flag, schema,
 * default and description. `--help`, the README's table, validation and the `Config` type
 * (ops/config.ts) all come from here.
 */
export interface OptionSpec<K extends string = string, S extends z.ZodType = z.ZodType> {
  key: K;
  env: string;
  flag: string;
  schema: S;
  /** Typed as what the schema produces, so a default of the wrong kind is a compile error. */
  default: z.output<S>;
  description: string;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A list from a JSON array (config file) or a comma-separated string (env, flags). */
const urlList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(1)),
);
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

function option<const K extends string, S extends z.ZodType>(
  key: K,
  schema: S,
  def: z.output<S>,
  description: string,
): OptionSpec<K, S> {
  const words = key.replace(/([A-Z])/g, '_$1').toUpperCase();
  return {
    key,
    env: `PRESENCE_${words}`,
    flag: `--${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`,
    schema,
    default: def,
    description,
  };
}

export const OPTIONS = [
  option('host', z.string().min(1), '127.0.0.1', 'Address to listen on (0.0.0.0 or :: for every interface).'),
  option('port', port, 7880, 'HTTP port: web app, REST, /ws WebSocket, /healthz, /metrics.'),
  option(
    'tcpPort',
    z.coerce.number().int().min(-1).max(65535),
    7881,
    'Raw TCP port (one JSON message per line); -1 disables it.',
  ),
  option('dataDir', z.string().min(1), './data', 'Directory for the SQLite file and the server secret.'),
  option(
    'domain',
    z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.:-]+$/),
    'localhost',
    "This server's domain: user ids are qualified with it (alice@domain).",
  ),
  option(
    'databaseUrl',
    z.string(),
    '',
    'postgres://… to use PostgreSQL (DATABASE_URL works too); empty = SQLite in dataDir.',
  ),
  option(
    'databaseSchema',
    z.string().regex(/^([a-z_][a-z0-9_]{0,62})?$/),
    '',
    "PostgreSQL schema for Presence's tables (created if missing); empty = the default search_path.",
  ),
  // External identity: tokens signed by the host site's account system (docs/integration.md).
  option(
    'authSharedSecret',
    z.string().refine((v) => v === '' || v.length >= 32, 'at least 32 characters (or empty)'),
    '',
    "HS256 secret shared with your site's account system; its signed tokens are accepted in hello. Empty = off.",
  ),
  option(
    'authJwksUrl',
    z.string().refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'an http(s) URL (or empty)'),
    '',
    "JWKS URL of your site's account system: RS256, ES256 and EdDSA tokens signed by its keys are accepted. Empty = off.",
  ),
  option('authIssuer', z.string(), '', 'Required iss of external tokens; empty = not checked.'),
  option('authAudience', z.string(), '', 'Required aud of external tokens; empty = not checked.'),
  option('authClaimUserId', z.string().min(1), 'sub', 'Claim of an external token holding the user id.'),
  option('authClaimName', z.string().min(1), 'name', 'Claim of an external token holding the display name.'),
  option(
    'authClaimAvatar',
    z.string(),
    'picture',
    'Claim of an external token holding an avatar URL (http/https); empty = ignore.',
  ),
  option(
    'localRegistration',
    bool,
    true,
    'Allow self-registration of local accounts (POST /api/accounts). Turn off when your site is the only account system.',
  ),
  option(
    'redisUrl',
    z.string(),
    '',
    'redis://… to run as a node of a cluster: Redis is the broker (fan-out, recent-event windows, directed messages) and the node registry; needs PostgreSQL. Empty = one node, in-process broker.',
  ),
  option(
    'redisPrefix',
    z.string().max(64),
    'presence:',
    'Prefix of every Redis key and channel (several deployments can share one Redis).',
  ),
  option(
    'trustProxy',
    bool,
    false,
    'Behind a reverse proxy (nginx): take client addresses from X-Forwarded-For, for per-address limits. Only when every client comes through the proxy.',
  ),
  option(
    'serverSecret',
    z.string().regex(/^([0-9a-f]{64,})?$/, '64 or more lower-case hex digits (or empty)'),
    '',
    'Hex secret (64+ digits) that signs session tokens; every node of a cluster needs the same one. Empty = generated into dataDir.',
  ),
  option(
    'nodeId',
    z.string().regex(/^([A-Za-z0-9_-]{1,32})?$/),
    '',
    'Name of this node in a cluster (letters, digits, - and _); empty = the host name. Each start adds a random suffix.',
  ),
  option(
    'clusterHeartbeatMs',
    positiveInt,
    1000,
    'With Redis: how often a node heartbeats and renews the leases of the rooms it serves.',
  ),
  option(
    'clusterDeadAfterMs',
    positiveInt,
    4000,
    "With Redis: a node silent this long is dead; its rooms move to other nodes and its sessions' grace period starts.",
  ),
  option(
    'clusterBatchMs',
    z.coerce.number().int().min(0).max(50),
    2,
    'With Redis: hold room events arriving from Redis up to this long and write them together (fewer system calls, a little more latency); 0 = at once.',
  ),
  option(
    'logLevel',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
    'Log level (pino).',
  ),
  option('webDir', z.string(), '', 'Directory of the built web app; empty = the bundled packages/web/dist.'),
  option(
    'stunUrls',
    urlList,
    [],
    'STUN server URLs for calls, comma-separated (e.g. stun:stun.example.org:3478).',
  ),
  option(
    'turnUrls',
    urlList,
    [],
    'TURN server URLs for calls, comma-separated (e.g. turn:turn.example.org:3478?transport=udp).',
  ),
  option(
    'turnSecret',
    z.string(),
    '',
    "coturn's static-auth-secret: TURN credentials are minted per user with it; empty = no TURN.",
  ),
  option(
    'turnTtlSeconds',
    positiveInt.min(60),
    3_600,
    'Lifetime of minted TURN credentials; clients refresh them with live.ice.',
  ),
  option(
    'liveMeshMax',
    positiveInt.max(64),
    6,
    'Participants a peer-to-peer (mesh) call may have (LIVE_FULL).',
  ),
  option(
    'liveMediaMode',
    z.enum(['mesh', 'sfu', 'auto']),
    'auto',
    'Default media mode of a call (a room setting overrides it): mesh, sfu, or auto (mesh up to liveMeshMax, SFU above).',
  ),
  option(
    'relayBitrateBps',
    positiveInt.max(50_000_000),
    1_500_000,
    'Stream bitrate a relayed broadcast assumes when its source does not say (bits/s); a relay gets uplink ÷ bitrate children.',
  ),
  option(
    'relayMaxChildren',
    positiveInt.max(64),
    8,
    'Most viewers one relay forwards a broadcast to, however fast its uplink.',
  ),
  option(
    'relayMaxDepth',
    positiveInt.max(32),
    8,
    'Deepest level of a relay tree; the source serves who does not fit.',
  ),
  option(
    'relayRootChildren',
    positiveInt.max(1_000),
    4,
    'Viewers the source of a relayed broadcast sends to itself (its own uplink share).',
  ),
  option(
    'relaySilenceMs',
    positiveInt.min(200).max(30_000),
    1_000,
    'A relay viewer that decodes no frames for this long switches to its backup parent and reports it.',
  ),
  option(
    'relayProbeBytes',
    positiveInt.min(16_384).max(8 * 1024 * 1024),
    262_144,
    "Size of a viewer's upload probe (POST /api/live/relay/probe/:token), timed by the server.",
  ),
  option(
    'janusUrl',
    urlList,
    [],
    'Janus WebSocket API URLs (ws://host:8188), comma-separated; rooms go to the least loaded. Empty = run a Janus child when the binary is installed.',
  ),
  option(
    'recordingsDir',
    z.string(),
    '',
    'Where call recordings go (raw Janus .mjr files and the converted webm files). Empty = dataDir/recordings.',
  ),
  option(
    'recordingsRetentionDays',
    z.coerce.number().int().min(0),
    30,
    'Recordings older than this many days are deleted (checked hourly); 0 = keep them forever.',
  ),
  option('janusApiSecret', z.string(), '', "Janus's api_secret (also set on the Janus child)."),
  option(
    'janusBinary',
    z.string().min(1),
    '/usr/bin/janus',
    'The janus binary the one-box default supervises; "none" = never start one.',
  ),
  option(
    'janusRtpPorts',
    z.string().regex(/^\d{2,5}-\d{2,5}$/),
    '20000-20999',
    "UDP port range of the Janus child's media.",
  ),
  option(
    'janusInterfaces',
    urlList,
    [],
    'Network interfaces the Janus child may use for media (its ice_enforce_list); empty = all but loopback.',
  ),
  option(
    'whepMaxViewers',
    positiveInt.max(100_000),
    200,
    'WHEP playback sessions a room may have at once (more get 503 with Retry-After).',
  ),
  option(
    'whipSessionTtlSeconds',
    positiveInt.max(86_400),
    30,
    'A WHIP or WHEP session whose PeerConnection never comes up is dropped after this long.',
  ),
  option(
    'maxSdpBytes',
    positiveInt.max(64_000),
    32_000,
    'Largest SDP offer or answer relayed in live.signal.',
  ),
  option(
    'maxFrameBytes',
    positiveInt,
    65_536,
    'Largest inbound frame (WebSocket message or TCP line) in bytes; larger → FRAME_TOO_LARGE and close.',
  ),
  option(
    'maxTextLength',
    positiveInt.max(16_000),
    4_000,
    'Longest chat message in characters (MESSAGE_TOO_LONG).',
  ),
  option(
    'maxUploadBytes',
    positiveInt.max(1024 * 1024 * 1024),
    10 * 1024 * 1024,
    'Largest file upload in bytes (FILE_TOO_LARGE, HTTP 413).',
  ),
  option(
    'orphanUploadGraceMs',
    positiveInt,
    60 * 60_000,
    'An upload not attached to a message within this many milliseconds is deleted (rows and bytes), checked every tenth of it.',
  ),
  option(
    'blobStore',
    z.enum(['auto', 'dir', 'database']),
    'auto',
    "Where uploaded files' bytes go: dir (dataDir/files), database (the store's file_blobs table, shared by a cluster), auto = database with PostgreSQL, else dir.",
  ),
  option(
    'rateLimitPerSecond',
    positiveInt,
    20,
    'Sustained messages per second per connection (token bucket refill).',
  ),
  option('rateLimitBurst', positiveInt, 60, 'Token bucket size: messages a connection may send at once.'),
  option(
    'rateLimitCloseAfter',
    positiveInt,
    200,
    'Rejected messages within 10 s after which a connection is closed (sustained flooding).',
  ),
  option(
    'maxQueueBytes',
    positiveInt,
    1_048_576,
    'Per-connection send queue in bytes; a reader that falls further behind is closed (SLOW_CONSUMER).',
  ),
  option(
    'maxConnectionsPerIp',
    positiveInt,
    200,
    'Open connections allowed from one IP address, counted from accept: HTTP sockets too (TOO_MANY_CONNECTIONS; HTTP 429).',
  ),
  option('maxConnections', positiveInt, 50_000, 'Open connections allowed in total.'),
  option(
    'httpHeadersTimeoutMs',
    positiveInt.min(100),
    10_000,
    'Time an HTTP request (a WebSocket upgrade too) has to send its headers before its socket is closed; sockets count against maxConnectionsPerIp from accept.',
  ),
  option(
    'httpKeepAliveTimeoutMs',
    positiveInt.min(100),
    5_000,
    'How long an idle HTTP keep-alive socket is kept open.',
  ),
  option('heartbeatIntervalMs', positiveInt.min(100), 25_000, 'How often the server pings each connection.'),
  option(
    'heartbeatTimeoutMs',
    positiveInt.min(100),
    20_000,
    'Silence after a ping before a connection is closed (HEARTBEAT_TIMEOUT).',
  ),
  option(
    'sessionGraceMs',
    z.coerce.number().int().min(0),
    30_000,
    'How long a disconnected session stays resumable before its user leaves its rooms.',
  ),
  option(
    'sessionTokenTtlSeconds',
    positiveInt,
    30 * 24 * 3600,
    'Lifetime of session tokens (the user id survives reconnects for this long).',
  ),
  option('roomMaxMembers', positiveInt, 500, 'Members a room may have (ROOM_FULL).'),
  option('maxRoomsPerSession', positiveInt, 200, 'Rooms one session may be in at once (LIMIT_EXCEEDED).'),
  option(
    'roomCreatesPerUser',
    positiveInt,
    20,
    'Named (persistent) rooms one user may create per roomCreateWindowMs (RATE_LIMITED with retryAfterMs).',
  ),
  option(
    'roomCreatesPerAddress',
    positiveInt,
    50,
    'Named (persistent) rooms one IP address may create per roomCreateWindowMs, all its users together.',
  ),
  option(
    'roomCreateWindowMs',
    positiveInt.min(1000),
    3_600_000,
    'The window of the two room-creation limits.',
  ),
  option(
    'directoryGuestRooms',
    bool,
    false,
    "List guests' public rooms in the public directory (by default only accounts' rooms are listed).",
  ),
  option(
    'recentWindow',
    positiveInt.max(100_000),
    500,
    'Events kept in memory per room for late joiners and recovery after reconnects.',
  ),
  option(
    'joinRecentCount',
    z.coerce.number().int().min(0).max(100),
    50,
    'Recent events sent with a room.join reply.',
  ),
  option('historyPageDefault', positiveInt, 50, 'Default room.history page size.'),
  option('historyPageMax', positiveInt, 100, 'Largest room.history page; larger asks are clamped.'),
  option(
    'typingThrottleMs',
    z.coerce.number().int().min(0),
    2_000,
    'Minimum time between fanned-out typing starts per user and room.',
  ),
  option(
    'presenceIdleMs',
    positiveInt.min(50),
    300_000,
    'A device that reported itself idle this long shows as away (its user too, when all devices are idle).',
  ),
  option(
    'presenceCoalesceMs',
    z.coerce.number().int().min(0).max(60_000),
    250,
    'Presence changes are held until none came for this long (at most 4× as long), then sent as one event per recipient.',
  ),
  option(
    'presenceDeviceTimeoutMs',
    positiveInt.min(50),
    3_600_000,
    'A socketless device (POST /api/presence) silent this long counts as offline.',
  ),
  option(
    'shutdownGraceMs',
    z.coerce.number().int().min(0),
    3_000,
    'On shutdown, how long sockets get to drain before they are destroyed.',
  ),
  option(
    'frameAncestors',
    urlList.pipe(z.array(z.string().regex(/^(https?:\/\/[^\s;,']+|'self')$/, "an http(s) origin or 'self'"))),
    [],
    'Origins allowed to show the web app in a frame (CSP frame-ancestors), comma-separated, e.g. https://intranet.example.org; empty = none (X-Frame-Options DENY).',
  ),
  option(
    'appsWebhookIntervalMs',
    positiveInt.min(10),
    30_000,
    "Third-party apps: how long updates for an app's webhook are collected before one batch goes out.",
  ),
  option(
    'appsWebhookBatchSize',
    positiveInt.max(10_000),
    500,
    'Third-party apps: a webhook batch goes out early once it holds this many updates (and never holds more).',
  ),
  option(
    'appsWebhookRetryHours',
    z.coerce
      .number()
      .positive()
      .max(24 * 30),
    24,
    'Third-party apps: a failing webhook is retried with exponential backoff for this long, then disabled.',
  ),
  option(
    'appsWebhookTimeoutMs',
    positiveInt.min(100),
    10_000,
    'Third-party apps: time a webhook receiver has to answer.',
  ),
  option(
    'appsAllowPrivateWebhooks',
    bool,
    false,
    'Third-party apps: allow webhook URLs that resolve to private, loopback or link-local addresses (tests, intranets).',
  ),
  option(
    'appsGuestConsent',
    bool,
    false,
    'Third-party apps: guests may grant apps access too (default: accounts and external-identity users only).',
  ),
  option(
    'appsStreamRetentionMs',
    positiveInt.min(1_000),
    24 * 3_600_000,
    'Third-party apps: how long updates are kept for a stream to resume from its cursor.',
  ),
  option(
    'appsStreamHeartbeatMs',
    positiveInt.min(50),
    15_000,
    'Third-party apps: a stream sends a heartbeat after this much silence, so proxies keep it open.',
  ),
  option(
    'appsNotifyPerMinute',
    positiveInt.max(1_000),
    6,
    'Third-party apps: live notifications an app may send one user per minute (RATE_LIMITED beyond).',
  ),
  option(
    'appsCodeTtlMs',
    positiveInt.min(1_000).max(600_000),
    60_000,
    'Third-party apps: lifetime of an OAuth authorization code (single use).',
  ),
  option('metrics', bool, true, 'Serve Prometheus metrics at /metrics.'),
  option(
    'metricsToken',
    z.string(),
    '',
    'Bearer token /metrics requires (Authorization: Bearer …; 401 without it); empty = none.',
  ),
  option(
    'metricsAllow',
    urlList.pipe(z.array(z.string().refine(isAddressOrRange, 'an IP address or CIDR range'))),
    [],
    'Addresses or CIDR ranges allowed to read /metrics, comma-separated (e.g. 127.0.0.1,10.0.0.0/8); others get 403. Empty = any.',
  ),
  option(
    'federation',
    bool,
    false,
    'Federate with other Presence servers (signed server-to-server requests; see docs/federation.md).',
  ),
  option(
    'federationAllow',
    urlList.pipe(z.array(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'a domain'))),
    [],
    'Domains this server federates with, comma-separated; empty = any domain not denied.',
  ),
  option(
    'federationDeny',
    urlList.pipe(z.array(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'a domain'))),
    [],
    'Domains refused for federation (both ways), comma-separated; wins over federationAllow.',
  ),
  option(
    'federationPeers',
    urlList.pipe(z.array(z.string().regex(/^[A-Za-z0-9.:-]+=https?:\/\/\S+$/, 'domain=url'))),
    [],
    'Static peer map, comma-separated domain=url (e.g. b.test=http://127.0.0.1:7890); other domains are discovered at https://DOMAIN/.well-known/presence/server.',
  ),
  option(
    'federationPublicUrl',
    z.string().regex(/^(https?:\/\/\S+)?$/, 'an http(s) URL'),
    '',
    'Base URL other servers reach this one at (published at /.well-known/presence/server); empty = the URL the request came in on.',
  ),
  option(
    'federationBatchMs',
    z.coerce.number().int().min(1).max(60_000),
    15_000,
    'Presence changes for one peer server are held this long and sent as one request (10000-60000 in production; lower only for tests).',
  ),
  option(
    'federationPeerTimeoutMs',
    z.coerce.number().int().min(50),
    60_000,
    'Short watchdog per peer: reset by any request or reply from it; on expiry a reminder and re-subscribe go out, and a peer that does not answer shows its users unknown.',
  ),
  option(
    'federationPeerResyncMs',
    z.coerce.number().int().min(100),
    3_600_000,
    'Long watchdog per peer (staggered by up to ±25%): on expiry the full state of watched users is asked for again.',
  ),
  option(
    'federationRequestTimeoutMs',
    z.coerce.number().int().min(50),
    10_000,
    'A server-to-server request not answered within this is failed.',
  ),
  option(
    'federationDirectoryRefreshMs',
    z.coerce.number().int().min(100),
    300_000,
    "How often the peers' public room lists are fetched again (they are cached in between).",
  ),
  option(
    'federationDirectoryFreshMs',
    z.coerce.number().int().min(100),
    30_000,
    "A peer's list older than this no longer marks rooms live; a directory search fetches it again first.",
  ),
  option(
    'federationMaxSkewMs',
    z.coerce.number().int().min(1_000),
    300_000,
    'Signed requests older or newer than this are refused; nonces are remembered this long (replay guard).',
  ),
] as const;

/** One option of the table, as its own type (key and schema kept). */
export type Option = (typeof OPTIONS)[number];

function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}
