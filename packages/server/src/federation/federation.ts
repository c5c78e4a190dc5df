import type { Config } from '../ops/config.js';
import type { Logger } from '../ops/logger.js';
import type { DirectoryRoom } from '@presence/protocol';
import type { PresenceSink } from '../presence/presence-service.js';
import { FederatedDirectory } from './federated-directory.js';
import { FederationGuard } from './federation-guard.js';
import { FederationInbox } from './federation-inbox.js';
import { HttpFederationTransport, type FederationTransport } from './federation-transport.js';
import { PeerDirectory } from './peer-directory.js';
import { FederatedContacts } from './remote-contacts.js';
import { RemotePresence } from './remote-presence.js';
import { RequestVerifier } from './request-verifier.js';
import { ServerKeys } from './server-keys.js';
import { UserAssertions } from './user-assertions.js';

export interface Federation {
  keys: ServerKeys;
  guard: FederationGuard;
  peers: PeerDirectory;
  transport: FederationTransport;
  inbox: FederationInbox;
  presence: RemotePresence;
  contacts: FederatedContacts;
  assertions: UserAssertions;
  directory: FederatedDirectory;
  /** What the HTTP endpoints need. */
  routes: {
    domain: string;
    publicUrl: string;
    keys: ServerKeys;
    verifier: RequestVerifier;
    inbox: FederationInbox;
  };
  close(): void;
}

/** The federation parts of one server, wired together (the composition root adds the rest). */
export function createFederation(deps: {
  config: Config;
  /** A cluster's shared secret: the first signing key is derived from it, the same on every node. */
  secret: Uint8Array | undefined;
  local: PresenceSink;
  log: Logger;
  transport?: FederationTransport;
  /** Where peers' verify keys come from; the peer directory (well-known documents) by default. */
  peerKeys?: Pick<PeerDirectory, 'keyOf'>;
  /** This server's public rooms, for its federated directory entry. */
  listRooms?: () => Promise<DirectoryRoom[]>;
}): Federation {
  const { config, log } = deps;
  const keys = new ServerKeys({ dataDir: config.dataDir, sharedSecret: deps.secret });
  const guard = new FederationGuard({
    allow: config.federationAllow,
    deny: config.federationDeny,
    self: config.domain,
  });
  const peers = new PeerDirectory({
    peers: config.federationPeers,
    timeoutMs: config.federationRequestTimeoutMs,
  });
  const verifier = new RequestVerifier({
    domain: config.domain,
    guard,
    peers: deps.peerKeys ?? peers,
    maxSkewMs: config.federationMaxSkewMs,
  });
  const transport =
    deps.transport ??
    new HttpFederationTransport({
      origin: config.domain,
      keys,
      peers,
      timeoutMs: config.federationRequestTimeoutMs,
    });
  const inbox = new FederationInbox();
  const presence = new RemotePresence({
    domain: config.domain,
    transport,
    guard,
    local: deps.local,
    options: config,
    log,
  });
  inbox.on('presence', (origin, body) => presence.receive(origin, body));
  const contacts = new FederatedContacts({
    domain: config.domain,
    transport,
    guard,
    presence,
    watching: (u) => deps.local.watching(u),
    log,
  });
  inbox.on('contact', (origin, body) => contacts.receive(origin, body));
  const directory = new FederatedDirectory({
    domain: config.domain,
    publicUrl: config.federationPublicUrl,
    keys,
    peers,
    transport,
    guard,
    listLocal: deps.listRooms ?? (() => Promise.resolve([])),
    known: () => [
      ...config.federationPeers.map((p) => p.slice(0, p.indexOf('='))),
      ...config.federationAllow,
    ],
    refreshMs: config.federationDirectoryRefreshMs,
    freshMs: config.federationDirectoryFreshMs,
    log,
  });
  inbox.on('directory', () => directory.publish());
  const assertions = new UserAssertions({
    domain: config.domain,
    keys,
    peers: deps.peerKeys ?? peers,
    guard,
  });
  return {
    keys,
    guard,
    peers,
    transport,
    inbox,
    presence,
    contacts,
    assertions,
    directory,
    routes: { domain: config.domain, publicUrl: config.federationPublicUrl, keys, verifier, inbox },
    close: () => {
      presence.close();
      directory.close();
    },
  };
}
