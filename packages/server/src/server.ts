import {
  PresenceError,
  type DirectoryRoom,
  type RoomInfo,
  type RoomRole,
  type UserRef,
} from '@presence/protocol';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBroker } from './broker/in-process-broker.js';
import { RedisBroker } from './broker/redis-broker.js';
import { directChannel, liveLifecycle } from './gateway/session-hooks.js';
import { UserDirectory } from './gateway/user-directory.js';
import { socialSessionHooks } from './gateway/social-handlers.js';
import { ContactsService } from './presence/contacts-service.js';
import { BrokerUserChannel } from './gateway/user-channel.js';
import { DmService } from './presence/dm-service.js';
import { PresenceDelivery } from './gateway/presence-delivery.js';
import { watchContactChanges } from './presence/contact-changes.js';
import { DeviceTokens } from './presence/device-tokens.js';
import { PresenceService } from './presence/presence-service.js';
import { LiveService } from './live/live-service.js';
import { RelayService } from './live/relay/relay-service.js';
import { openSfu } from './live/sfu/open-sfu.js';
import { CallRecorder } from './live/recording/call-recorder.js';
import { RecordingService } from './live/recording/recording-service.js';
import { StreamKeyService } from './live/whip/stream-keys.js';
import { WhipSessions } from './live/whip/whip-sessions.js';
import type { Broker } from './broker/broker.js';
import { ChatService } from './chat/chat-service.js';
import { Gateway } from './gateway/gateway.js';
import { createHandlers } from './gateway/handlers.js';
import { RoomFanout } from './gateway/room-fanout.js';
import { SessionManager } from './gateway/session-manager.js';
import { createHttpApp } from './http/http-app.js';
import { AccountService } from './identity/account-service.js';
import { ExternalTokens } from './identity/external-tokens.js';
import { IdentityService } from './identity/identity-service.js';
import { SessionTokens } from './identity/session-tokens.js';
import { validateConfig, type Config } from './ops/config.js';
import { createLogger, type Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { loadOrCreateSecret } from './ops/server-secret.js';
import { ModerationService } from './moderation/moderation-service.js';
import { RoomLog } from './rooms/room-log.js';
import { RoomQueries } from './rooms/room-queries.js';
import { RoomRecoveryService } from './rooms/room-recovery.js';
import { RoomRegistry } from './rooms/room-registry.js';
import { RoomService } from './rooms/room-service.js';
import { RoomCreationLimits } from './rooms/room-creation-limits.js';
import { RoomAdmin } from './rooms/room-admin.js';
import { InviteService } from './rooms/invite-service.js';
import { openStore } from './store/open-store.js';
import { DirBlobStore } from './store/dir-blob-store.js';
import { FileService } from './chat/file-service.js';
import { ChatQueries } from './chat/chat-queries.js';
import { RoomDeletion } from './chat/room-deletion.js';
import type { Store } from './store/store.js';
import { TransportHub } from './transport/transport-hub.js';
import { LocalRoomOps, type RoomOps } from './routing/room-ops.js';
import { NodeRegistry } from './routing/node-registry.js';
import { joinCluster } from './routing/join-cluster.js';
import { UserMergeRelay } from './routing/user-merge-relay.js';
import { sessionPrefixOf } from './shared/session-prefix.js';
import { ClusterPresence } from './presence/cluster-presence.js';
import { AppRuntime } from './apps/app-runtime.js';
import { createFederation } from './federation/federation.js';
import { federationConnectSources } from './http/security-headers.js';

export const VERSION = '0.1.0';

const here = dirname(fileURLToPath(import.meta.url));
/** The web app built by Vite, relative to this file in src/ or dist/. */
const BUNDLED_WEB_DIR = resolve(here, '../../web/dist');

export interface PresenceServer {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly broker: Broker;
  readonly metrics: Metrics;
  /** Start listening; resolves with the bound ports (useful with port 0). */
  listen(): Promise<{ httpPort: number; tcpPort: number | null }>;
  /** Graceful shutdown: tell clients, drain, close sockets, store and timers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Compose a server from its configuration. Layers are wired here and nowhere else:
 * transport → gateway → domain (rooms, chat) → broker and store.
 */
export async function createPresenceServer(raw: Partial<Config> = {}): Promise<PresenceServer> {
  const config = validateConfig(raw as Record<string, unknown>);
  const log = createLogger(config.logLevel);
  const metrics = new Metrics();
  // A cluster's nodes share one secret (any node must accept another's tokens): from the config.
  const secret = config.serverSecret
    ? Buffer.from(config.serverSecret, 'hex')
    : loadOrCreateSecret(config.dataDir);
  const store = await openStore({
    databaseUrl: config.databaseUrl || undefined,
    databaseSchema: config.databaseSchema || undefined,
    dataDir: config.dataDir,
    warn: (message) => log.warn(message),
  });
  if (config.redisUrl && store.kind !== 'postgres') {
    // Each node would keep its own SQLite file: rooms, accounts and history would differ per node.
    await store.close();
    throw new Error('a cluster (redisUrl) needs a shared PostgreSQL store: set DATABASE_URL');
  }
  // Unique per start: a restarted node must not be mistaken for its previous life (whose sessions
  // are gone). Session ids begin with it.
  const nodeName =
    config.nodeId ||
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '')
      .slice(0, 32) ||
    'node';
  const instanceId = `${nodeName}-${randomBytes(3).toString('hex')}`;
  // Redis when configured (a cluster's nodes share fan-out, windows and directed messages).
  const broker: Broker = config.redisUrl
    ? new RedisBroker({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        windowSize: config.recentWindow,
        connectionName: `presence:${instanceId}`,
        batchMs: config.clusterBatchMs,
      })
    : new InProcessBroker({ windowSize: config.recentWindow });
  // In a cluster, each room lives on one node (its home), found through leases in Redis.
  const nodes = config.redisUrl
    ? new NodeRegistry({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        instanceId,
        heartbeatMs: config.clusterHeartbeatMs,
        deadAfterMs: config.clusterDeadAfterMs,
      })
    : null;

  const registry = new RoomRegistry(
    store,
    broker,
    () => {
      metrics.rooms.set({ kind: 'ephemeral' }, registry.count(false));
      metrics.rooms.set({ kind: 'persistent' }, registry.count(true));
    },
    // A purged room's invites go with it. Should that fail, they still lead nowhere (no room).
    // Its files too (rows and bytes): an unnamed room has no row for them to cascade from.
    async (roomId): Promise<void> => {
      await invites
        .forgetRoom(roomId)
        .catch((err: unknown) => log.warn({ err, roomId }, 'invites not deleted'));
      await files
        .removePurgedRoom(roomId)
        .catch((err: unknown) => log.warn({ err, roomId }, 'files of a purged room not deleted'));
    },
    nodes ?? undefined,
  );
  const invites: InviteService = new InviteService({ registry, store });
  const roomLog = new RoomLog(store, broker, config.domain);
  const moderation = new ModerationService({ registry, log: roomLog, store, broker, secret });
  const creations = new RoomCreationLimits(config);
  const rooms = new RoomService({
    registry,
    log: roomLog,
    store,
    broker,
    limits: config,
    invites,
    creations,
    gate: moderation,
  });
  const queries = new RoomQueries({ registry, store, broker, limits: config });
  // Files' bytes: a directory by default, the database when a cluster shares it (PostgreSQL).
  const blobs =
    config.blobStore === 'database' || (config.blobStore === 'auto' && store.kind === 'postgres')
      ? store.blobs
      : new DirBlobStore(join(config.dataDir, 'files'));
  const files = new FileService({
    store: store.chat,
    blobs,
    limits: config,
    isMember: (roomId, userId) => ops.memberOf(roomId, userId),
  });
  // Uploads never attached to a message go after the grace period; checked every tenth of it.
  const sweep = setInterval(
    () => {
      files.sweepOrphans().catch((err: unknown) => log.warn({ err }, 'orphaned uploads not swept'));
    },
    Math.max(1_000, Math.floor(config.orphanUploadGraceMs / 10)),
  );
  sweep.unref();
  const chat = new ChatService({
    registry,
    log: roomLog,
    store,
    broker,
    limits: config,
    gate: moderation,
    files,
  });
  const chatQueries = new ChatQueries({ registry, store });
  const recorder = new CallRecorder(
    resolve(config.recordingsDir || join(config.dataDir, 'recordings')),
    (o) => log.info({ room: o.room, startedAt: o.startedAt, result: o.result }, 'recording converted'),
  );
  const recordings = new RecordingService({
    store,
    registry,
    log: roomLog,
    recorder,
    isMember: (roomId, userId) => ops.memberOf(roomId, userId),
  });
  // Retention: old recordings go, checked hourly (the timer never keeps the process alive).
  const recordingSweep = setInterval(
    () =>
      void recordings
        .sweep(config.recordingsRetentionDays)
        .catch((err: unknown) => log.warn({ err }, 'old recordings not swept')),
    3_600_000,
  );
  recordingSweep.unref();
  const deletion = new RoomDeletion({ registry, log: roomLog, store, files, recordings });
  const admin = new RoomAdmin({ registry, log: roomLog, store, limits: config, domain: config.domain });
  const sfu = await openSfu(config, log);
  log.info({ sfu: sfu.description }, 'sfu');
  const relay = new RelayService({
    broker,
    options: { ...config, turnAvailable: config.turnUrls.length > 0 && config.turnSecret !== '' },
  });
  const live = new LiveService({
    registry,
    log: roomLog,
    broker,
    options: config,
    gate: moderation,
    sfu: sfu.backend,
    relay,
    store: store.live,
    recorder,
    recordings,
  });
  moderation.connect({ chat, live });
  // WHIP ingest / WHEP playback: an encoder with a room's stream key becomes the room's source.
  const streamKeys = new StreamKeyService(store);
  const whip = new WhipSessions({ sfu: sfu.backend, live, keys: streamKeys, options: config });
  const recovery = new RoomRecoveryService({ registry, rooms, store, broker });
  const localOps = new LocalRoomOps({
    registry,
    rooms,
    queries,
    chat,
    live,
    invites,
    recovery,
    moderation,
    chatQueries,
    deletion,
    store,
  });
  const fanout = new RoomFanout(broker, (n) => metrics.messagesOut.inc(n));
  // Presence: sessions are devices; visibility follows room co-membership (the registry's
  // membership observer) and contacts (every contact change passes through the wrapped store).
  // In a cluster every node runs the engine on every node's changes (cluster-presence.ts).
  const presenceDelivery = new PresenceDelivery((n) => metrics.messagesOut.inc(n));
  // Live marks in directories: what this process's live service knows. In a cluster a room's call
  // runs on its home node, which another node cannot see, so a cluster's directory has no marks.
  const markLive = (list: RoomInfo[]): DirectoryRoom[] =>
    list.map((room) => {
      const now = nodes ? null : live.liveNow(room.id);
      return now ? { ...room, live: now } : room;
    });
  // Federation (off by default): other servers' users are watched through it, and it is the
  // presence engine's sink, so remote recipients take the same path as local ones.
  const federation = config.federation
    ? createFederation({
        config,
        secret: config.serverSecret ? secret : undefined,
        local: presenceDelivery,
        log,
        listRooms: async () => markLive(await queries.directory('', 100)),
      })
    : null;
  const presenceDeps = {
    options: config,
    contacts: store.social,
    sink: federation?.presence ?? presenceDelivery,
    remote: federation?.presence,
    log,
  };
  const presence = nodes
    ? new ClusterPresence({ ...presenceDeps, broker, instanceId })
    : new PresenceService(presenceDeps);
  registry.observeMembership(presence.visibility);
  federation?.presence.attach({
    viewOf: (u) => presence.viewOf(u),
    prepare: (u) => presence.prepare(u),
    canSee: (viewer, target) => presence.visibility.canSee(viewer, target),
  });
  // Hidden looks offline in rooms too: member lists and member.presence follow presence's flag.
  registry.seeHidden((userId) => presence.isHidden(userId));
  presence.onHiddenChange((userId) => {
    rooms
      .visibilityChanged(userId)
      .catch((err: unknown) => log.warn({ err, userId }, 'member.presence not sent'));
  });
  if (presence instanceof ClusterPresence) registry.observeMembership(presence.membership());
  // In a cluster, operations on a room run on its home node; a dead node's sessions are swept.
  const cluster = nodes
    ? joinCluster({
        config,
        instanceId,
        nodes,
        registry,
        local: localOps,
        fanout,
        presence: presence instanceof ClusterPresence ? presence : null,
        log,
      })
    : null;
  const ops: RoomOps = cluster?.ops ?? localOps;
  const tokens = new SessionTokens(secret, config.domain, config.sessionTokenTtlSeconds);
  const external = ExternalTokens.enabled(config)
    ? new ExternalTokens(config, (err) => log.warn({ err }, 'external token keys unavailable'))
    : null;
  const identity = new IdentityService({
    tokens,
    accounts: store.accounts,
    external,
    domain: config.domain,
    remote: federation?.assertions,
  });
  const accounts = new AccountService({
    accounts: store.accounts,
    identity,
    domain: config.domain,
    registration: config.localRegistration,
  });
  if (external && config.localRegistration) {
    log.warn(
      'local registration is open next to external identity: usernames can take ids your site may issue',
    );
  }
  const sessions = new SessionManager({
    options: { ...config, version: VERSION, sessionIdPrefix: sessionPrefixOf(instanceId) },
    identity,
    ops,
    fanout,
    log,
    onCountChange: (n) => metrics.sessions.set(n),
  });
  const users = new UserDirectory();
  sessions.addHooks(users.hooks());
  // Registering or logging in from a guest session: the guest's stored data moves in one store
  // transaction, then the loaded rooms, the status text and the guest's own sessions follow.
  // In a cluster the other nodes do the same for the rooms they home and the sessions they hold.
  const applyMerge = async (guest: string, account: UserRef, roles: Map<string, RoomRole>): Promise<void> => {
    await rooms.userMerged(guest, account, roles);
    presence.inheritStatus(guest, account.id);
    sessions.endUser(guest, account);
  };
  const mergeRelay = nodes
    ? new UserMergeRelay({
        broker,
        instanceId,
        apply: applyMerge,
        onError: (err) => log.error({ err }, 'a guest upgrade from another node was not applied here'),
      })
    : null;
  accounts.upgradeWith(async (guest, account) => {
    const moved = await store.mergeUser(guest.id, account);
    const roles = new Map(moved.map((m) => [m.roomId, m.role]));
    await applyMerge(guest.id, account, roles);
    await mergeRelay?.announce(guest.id, account, roles);
  });
  sessions.addHooks(directChannel(broker));
  sessions.addHooks(liveLifecycle(ops));
  sessions.addHooks(presenceDelivery.hooks(presence));
  const deviceTokens = new DeviceTokens(store.social);
  const social = watchContactChanges(store.social, (a, b) => void presence.visibility.contactsChanged(a, b));
  const userChannel = new BrokerUserChannel({ users, broker, instanceId, clustered: nodes !== null });
  sessions.addHooks(userChannel.hooks());
  const contacts = new ContactsService({
    social,
    accounts: store.accounts,
    users: userChannel,
    remote: federation?.contacts,
  });
  federation?.contacts.attach(contacts);
  const dms = new DmService({
    social: store.social,
    // The state others see (hidden → offline), so gating never reveals a hidden user.
    presence,
    users: userChannel,
    limits: config,
    accounts: store.accounts,
    onConversationError: (err) => log.warn({ err }, 'direct-message conversation not recorded'),
    onLost: (err, user, count) => log.error({ err, user, count }, 'kept direct messages lost'),
  });
  sessions.addHooks(socialSessionHooks({ contacts, dms, log }));
  // Third-party apps (docs/apps.md): fed by presence, delivered by webhook and stream.
  const apps = new AppRuntime({
    store: store.apps,
    presence,
    broker,
    users: userChannel,
    serverSecret: secret,
    instanceId,
    options: config,
    log,
  });
  const gateway = new Gateway({
    handlers: createHandlers({
      ops,
      queries,
      markLive,
      invites,
      social: { contacts, dms },
      presence: {
        presence,
        delivery: presenceDelivery,
        tokens: deviceTokens,
        log,
        remote: federation?.presence,
      },
      maxRoomsPerSession: config.maxRoomsPerSession,
      assertions: federation
        ? {
            issue: async (user, server) => {
              const issued = federation.assertions.issue(user, server);
              // Where the browser connects: the peer's base URL (static map or well-known).
              const url = await federation.peers.urlOf(server.toLowerCase()).catch(() => {
                throw new PresenceError('SERVER_UNAVAILABLE', `${server} cannot be reached.`);
              });
              return { ...issued, url };
            },
          }
        : null,
      federatedDirectory: federation?.directory ?? null,
      chatQueries,
      streamKeys,
      recordings,
    }),
    sessions,
    limits: config,
    metrics,
    log,
  });
  const transport = new TransportHub({ ...config, wsPath: '/ws' }, gateway);
  const http = await createHttpApp({
    webDir: config.webDir || BUNDLED_WEB_DIR,
    trustProxy: config.trustProxy,
    brokerHealthy: () => broker.healthy(),
    metrics: config.metrics ? metrics : null,
    metricsAccess: config,
    frameAncestors: config.frameAncestors,
    connectSources: federationConnectSources({
      federation: config.federation,
      peers: config.federationPeers,
      allow: config.federationAllow,
    }),
    httpHeadersTimeoutMs: config.httpHeadersTimeoutMs,
    httpKeepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    refusedSocket: (socket) => transport.refusedSocket(socket),
    store,
    queries,
    rooms: ops,
    accounts: { accounts, log },
    invites: { invites },
    service: {
      store,
      admin,
      chat,
      invites,
      audit: moderation,
      tokens,
      domain: config.domain,
      log,
      version: VERSION,
      streamKeys,
      live,
    },
    whip: { whip, store, identity, maxSdpBytes: config.maxSdpBytes, log },
    presence: { presence, tokens: deviceTokens, log },
    recordings: {
      recordings,
      authenticate: async (token) => (await identity.authenticate(token))?.user.id ?? null,
      log,
    },
    files: {
      files,
      authenticate: async (token) => (await identity.authenticate(token))?.user.id ?? null,
      log,
    },
    relayProbe: {
      probed: (token, bytes, elapsedMs) => relay.probed(token, bytes, elapsedMs),
      probeBytes: config.relayProbeBytes,
      log,
    },
    apps: {
      apps: apps.service,
      notifications: apps.notifications,
      streams: apps.streams,
      store,
      identity,
      options: config,
      log,
    },
    federation: federation ? { ...federation.routes, log } : null,
    health: () => ({
      version: VERSION,
      storeKind: store.kind,
      connections: { ws: transport.countByKind('ws'), tcp: transport.countByKind('tcp') },
      sessions: sessions.size,
      rooms: registry.size,
      uptimeSeconds: Math.round(process.uptime()),
    }),
  });
  transport.attachWebSocket(http.server);

  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    store,
    broker,
    metrics,
    async listen() {
      // Join the cluster before taking connections: rooms can only be served once leases work.
      await cluster?.start();
      await http.listen({ host: config.host, port: config.port });
      const httpPort = (http.server.address() as AddressInfo).port;
      const tcpPort = config.tcpPort >= 0 ? await transport.listenTcp(config.host, config.tcpPort) : null;
      transport.startHeartbeats();
      apps.start();
      log.info(
        { host: config.host, httpPort, tcpPort, store: store.kind, dataDir: config.dataDir },
        'presence listening',
      );
      return { httpPort, tcpPort };
    },
    close() {
      closing ??= (async () => {
        log.info('shutting down');
        clearInterval(sweep);
        clearInterval(recordingSweep);
        await transport.close();
        sessions.close();
        mergeRelay?.close();
        presence.close();
        await apps.close();
        federation?.close();
        await http.close();
        await cluster?.close();
        await whip.close();
        live.close();
        await sfu.close();
        await broker.close();
        await store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
