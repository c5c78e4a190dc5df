/**
 * Third-party apps in the store: registrations, grants, authorization codes, and the durable
 * outbox of presence updates that webhooks and streams read from.
 */

export interface StoredApp {
  id: string;
  name: string;
  ownerId: string | null;
  secretHash: string;
  signingSecret: string;
  redirectUris: string[];
  webhookUrl: string | null;
  webhookDisabledAt: number | null;
  webhookCursor: number;
  webhookAttempts: number;
  webhookNextAt: number;
  /** While a failed batch is retried: its last seq (0: no batch in flight). */
  webhookBatchTo: number;
  createdAt: number;
}

export interface StoredGrant {
  appId: string;
  userId: string;
  appUserId: string;
  paused: boolean;
  shareStatus: boolean;
  grantedAt: number;
}

export interface StoredCode {
  appId: string;
  userId: string;
  redirectUri: string;
  challenge: string;
  shareStatus: boolean;
  expiresAt: number;
}

/** What apps see of a user: three states, when it began, and the text if the grant shares it. */
export interface AppState {
  state: 'online' | 'away' | 'offline';
  status: string | null;
  since: number;
}

export interface StoredUpdate extends AppState {
  seq: number;
  appId: string;
  appUserId: string;
  createdAt: number;
}

export interface StoredDelivery {
  id: string;
  appId: string;
  webhookId: string;
  at: number;
  status: number;
  error: string | null;
  attempt: number;
  updates: number;
}

export type AppPatch = Partial<Pick<StoredApp, 'name' | 'redirectUris' | 'webhookUrl'>>;

export interface AppStore {
  createApp(app: StoredApp): Promise<void>;
  getApp(id: string): Promise<StoredApp | undefined>;
  listApps(ownerId?: string): Promise<StoredApp[]>;
  /**
   * Changing the webhook URL re-enables a disabled webhook and then adds one update per unpaused
   * grant with the user's told state (its backlog may have been pruned). False: no such app.
   */
  updateApp(id: string, patch: AppPatch): Promise<boolean>;
  setSecrets(id: string, secretHash: string, signingSecret: string): Promise<boolean>;
  /** The app, its grants, codes and updates. */
  deleteApp(id: string): Promise<boolean>;

  /** Store a new code (hashed by the caller). */
  putCode(codeHash: string, code: StoredCode): Promise<void>;
  /** Delete and return the code if it exists and has not expired: a code works once. */
  takeCode(codeHash: string, now: number): Promise<StoredCode | undefined>;

  /**
   * Grant (or re-grant, unpausing) in one transaction with the app's first update: the user's
   * current state, so the app starts from the truth.
   */
  grant(grant: StoredGrant, current: AppState): Promise<void>;
  /**
   * Many new grants in one transaction with multi-row inserts, each with its first update as
   * `grant` adds it (`current` is every user's state when none was told yet): seeding at scale
   * (the bench's 10⁶ grants), where one transaction per grant would take hours.
   */
  grantMany(grants: readonly StoredGrant[], current: AppState): Promise<void>;
  getGrant(appId: string, userId: string): Promise<StoredGrant | undefined>;
  grantByAppUserId(appId: string, appUserId: string): Promise<StoredGrant | undefined>;
  grantsOfUser(userId: string): Promise<StoredGrant[]>;
  /** Pausing writes nothing; unpausing writes the current state as the app's next update. */
  setPaused(appId: string, userId: string, paused: boolean, current: AppState): Promise<boolean>;
  revoke(appId: string, userId: string): Promise<boolean>;
  /**
   * Count one live notification to the person in the minute starting at `windowStart`, atomically
   * across the cluster; resolves with how many were counted in that minute, this one included.
   */
  countNotification(appId: string, appUserId: string, windowStart: number): Promise<number>;

  /** The state apps were last told about (offline when never). */
  lastState(userId: string): Promise<AppState | undefined>;
  /** Users whose last told state is not offline (for the sweep after a restart). */
  usersNotOffline(): Promise<string[]>;
  /**
   * The outbox write, atomic and serialised across writers: if `next` differs from the user's last
   * told state (state, or status text), record it and add one update per granted, unpaused app.
   * Returns how many updates were written (0: nothing changed, e.g. another node did it first).
   */
  transition(userId: string, next: AppState): Promise<number>;
  /** Updates of an app after `cursor`, oldest first. */
  updatesAfter(appId: string, cursor: number, limit: number): Promise<StoredUpdate[]>;
  /** Whether the app's update with this seq is still kept. */
  hasUpdate(appId: string, seq: number): Promise<boolean>;
  /** The newest seq of the app's updates (0 when none). */
  latestSeq(appId: string): Promise<number>;
  /** The oldest seq still kept for the app, or null when none is kept. */
  oldestSeq(appId: string): Promise<number | null>;
  /** Drop updates older than `before` that an enabled webhook (if any) has delivered; each app's newest stays. */
  prune(before: number): Promise<number>;

  /**
   * Take (or keep) the app's webhook lease until `until`; true when this owner holds it. One
   * node delivers each app's webhook at a time.
   */
  lease(appId: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Apps with an enabled webhook URL. */
  webhookApps(): Promise<StoredApp[]>;
  /** After a delivery: move the cursor and/or record the retry schedule or the disabling. */
  webhookProgress(
    appId: string,
    change: {
      cursor?: number;
      attempts: number;
      nextAt: number;
      batchTo: number;
      disabledAt?: number | null;
    },
  ): Promise<void>;
  addDelivery(delivery: StoredDelivery, keep: number): Promise<void>;
  deliveries(appId: string, limit: number): Promise<StoredDelivery[]>;
}
