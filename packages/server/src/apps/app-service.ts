import { PresenceError } from '@presence/protocol';
import type { AppState, AppStore, StoredApp, StoredGrant } from '../store/app-store.js';
import {
  appIdOfSecret,
  appUserId,
  newAppId,
  newClientSecret,
  newCode,
  newSigningSecret,
  pkceMatches,
  secretMatches,
  sha256,
} from './app-secrets.js';

/** What a developer sets when registering or editing an app. */
export interface AppSettings {
  name: string;
  redirectUris: string[];
  webhookUrl: string | null;
}

/** An app as its developer sees it (never the secrets, except right after they are made). */
export interface AppView {
  id: string;
  name: string;
  redirectUris: string[];
  webhookUrl: string | null;
  webhookDisabledAt: number | null;
  createdAt: number;
}

/** Secrets, shown once: at registration and after each rotation. */
export interface AppSecrets {
  clientSecret: string;
  signingSecret: string;
}

/** The query of an authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636). */
export interface AuthorizeRequest {
  responseType: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

/** Who is consenting, as the identity layer says. */
export interface Consenter {
  userId: string;
  kind: 'guest' | 'local' | 'external' | 'service';
}

/** A grant as the user's settings list it. */
export interface GrantView {
  app: { id: string; name: string };
  paused: boolean;
  shareStatus: boolean;
  grantedAt: number;
}

/** RFC 6749 §5.2: a token request that fails, with the status and the error code to answer. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

export function toAppView(app: StoredApp): AppView {
  return {
    id: app.id,
    name: app.name,
    redirectUris: app.redirectUris,
    webhookUrl: app.webhookUrl,
    webhookDisabledAt: app.webhookDisabledAt,
    createdAt: app.createdAt,
  };
}

/**
 * Third-party apps: registration and secrets, the consent flow (authorization code + PKCE S256,
 * exact redirect URIs, single-use short-lived codes) and the user's grants (pause, revoke).
 */
export class AppService {
  readonly #store: AppStore;
  readonly #serverSecret: Uint8Array;
  readonly #options: { appsCodeTtlMs: number; appsGuestConsent: boolean };
  readonly #current: (userId: string) => AppState;
  readonly #written: () => void;

  constructor(deps: {
    store: AppStore;
    serverSecret: Uint8Array;
    options: { appsCodeTtlMs: number; appsGuestConsent: boolean };
    /** The user's presence now, as apps see it. */
    current: (userId: string) => AppState;
    /** Updates were added to the outbox (wake the stream and the webhook sender). */
    written: () => void;
  }) {
    this.#store = deps.store;
    this.#serverSecret = deps.serverSecret;
    this.#options = deps.options;
    this.#current = deps.current;
    this.#written = deps.written;
  }

  // --- registration ------------------------------------------------------------------------

  async register(settings: AppSettings, ownerId: string | null): Promise<{ app: AppView } & AppSecrets> {
    return registerApp(this.#store, settings, ownerId);
  }

  /** The app if `ownerId` may manage it (null: an operator or the service API, who may manage all). */
  async owned(appId: string, ownerId: string | null): Promise<StoredApp> {
    const app = await this.#store.getApp(appId);
    if (!app || (ownerId !== null && app.ownerId !== ownerId)) throw new PresenceError('APP_NOT_FOUND');
    return app;
  }

  async update(appId: string, ownerId: string | null, patch: Partial<AppSettings>): Promise<AppView> {
    await this.owned(appId, ownerId);
    await this.#store.updateApp(appId, patch);
    return toAppView(await this.owned(appId, ownerId));
  }

  async rotate(appId: string, ownerId: string | null): Promise<AppSecrets> {
    await this.owned(appId, ownerId);
    return rotateSecrets(this.#store, appId);
  }

  async remove(appId: string, ownerId: string | null): Promise<void> {
    await this.owned(appId, ownerId);
    await this.#store.deleteApp(appId);
  }

  /** The app a client secret belongs to; APP_NOT_FOUND (401 at the edge) otherwise. */
  async authenticate(secret: string): Promise<StoredApp> {
    const id = appIdOfSecret(secret);
    const app = id === null ? undefined : await this.#store.getApp(id);
    if (!app || !secretMatches(secret, app.secretHash))
      throw new PresenceError('UNAUTHORIZED', 'Unknown app secret.');
    return app;
  }

  // --- consent -----------------------------------------------------------------------------

  /**
   * Check an authorization request before the consent page shows it. An unknown client or a
   * redirect URI that is not registered exactly is never redirected to (RFC 6749 §4.1.2.1).
   */
  async check(req: AuthorizeRequest): Promise<StoredApp> {
    const app = await this.#store.getApp(req.clientId);
    if (!app) throw new PresenceError('APP_NOT_FOUND', 'No app with this client_id.');
    if (!app.redirectUris.includes(req.redirectUri)) {
      throw new PresenceError('INVALID_MESSAGE', 'redirect_uri is not one the app registered.');
    }
    if (req.responseType !== 'code')
      throw new PresenceError('INVALID_MESSAGE', 'response_type must be "code".');
    if (req.codeChallengeMethod !== 'S256') {
      throw new PresenceError('INVALID_MESSAGE', 'code_challenge_method must be "S256".');
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(req.codeChallenge)) {
      throw new PresenceError('INVALID_MESSAGE', 'code_challenge must be base64url(sha256(verifier)).');
    }
    if (req.state.length === 0) throw new PresenceError('INVALID_MESSAGE', 'state is required.');
    return app;
  }

  /** The user said yes or no: where to send the browser back to. */
  async decide(
    req: AuthorizeRequest,
    who: Consenter,
    decision: { allow: boolean; shareStatus: boolean },
  ): Promise<string> {
    const app = await this.check(req);
    const back = new URL(req.redirectUri);
    back.searchParams.set('state', req.state);
    if (!decision.allow) {
      back.searchParams.set('error', 'access_denied');
      return back.toString();
    }
    if (who.kind === 'guest' && !this.#options.appsGuestConsent) {
      throw new PresenceError('FORBIDDEN', 'Guests cannot grant apps access on this server; sign in first.');
    }
    const code = newCode();
    await this.#store.putCode(sha256(code), {
      appId: app.id,
      userId: who.userId,
      redirectUri: req.redirectUri,
      challenge: req.codeChallenge,
      shareStatus: decision.shareStatus,
      expiresAt: Date.now() + this.#options.appsCodeTtlMs,
    });
    back.searchParams.set('code', code);
    return back.toString();
  }

  /**
   * The token request: the code (once, before it expires), the same redirect URI, the PKCE
   * verifier and the client's secret. The grant is made here, so a code never exchanged grants
   * nothing.
   */
  async exchange(input: {
    grantType: string;
    code: string;
    redirectUri: string;
    clientId: string;
    clientSecret: string;
    codeVerifier: string;
  }): Promise<{ appUserId: string }> {
    if (input.grantType !== 'authorization_code') {
      throw new OAuthError(400, 'unsupported_grant_type', 'Only authorization_code is supported.');
    }
    const app =
      appIdOfSecret(input.clientSecret) === input.clientId
        ? await this.#store.getApp(input.clientId)
        : undefined;
    if (!app || !secretMatches(input.clientSecret, app.secretHash)) {
      throw new OAuthError(401, 'invalid_client', 'Unknown client or wrong secret.');
    }
    const code = await this.#store.takeCode(sha256(input.code), Date.now());
    if (!code || code.appId !== app.id || code.redirectUri !== input.redirectUri) {
      throw new OAuthError(
        400,
        'invalid_grant',
        'The code is unknown, used, expired, or for another redirect_uri.',
      );
    }
    if (!pkceMatches(input.codeVerifier, code.challenge)) {
      throw new OAuthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
    }
    const id = appUserId(this.#serverSecret, app.id, code.userId);
    const grant: StoredGrant = {
      appId: app.id,
      userId: code.userId,
      appUserId: id,
      paused: false,
      shareStatus: code.shareStatus,
      grantedAt: Date.now(),
    };
    await this.#store.grant(grant, this.#current(code.userId));
    this.#written();
    return { appUserId: id };
  }

  // --- the user's grants -------------------------------------------------------------------

  async grants(userId: string): Promise<GrantView[]> {
    const grants = await this.#store.grantsOfUser(userId);
    const out: GrantView[] = [];
    for (const g of grants) {
      const app = await this.#store.getApp(g.appId);
      if (!app) continue;
      out.push({
        app: { id: app.id, name: app.name },
        paused: g.paused,
        shareStatus: g.shareStatus,
        grantedAt: g.grantedAt,
      });
    }
    return out;
  }

  async setPaused(userId: string, appId: string, paused: boolean): Promise<void> {
    if (!(await this.#store.setPaused(appId, userId, paused, this.#current(userId)))) {
      throw new PresenceError('APP_NOT_FOUND', 'You have not granted this app access.');
    }
    if (!paused) this.#written();
  }

  async revoke(userId: string, appId: string): Promise<void> {
    if (!(await this.#store.revoke(appId, userId))) {
      throw new PresenceError('APP_NOT_FOUND', 'You have not granted this app access.');
    }
  }
}

/** Register an app (also used by `presence admin apps create`, without a running server). */
export async function registerApp(
  store: AppStore,
  settings: AppSettings,
  ownerId: string | null,
): Promise<{ app: AppView } & AppSecrets> {
  const id = newAppId();
  const clientSecret = newClientSecret(id);
  const signingSecret = newSigningSecret();
  const app: StoredApp = {
    id,
    name: settings.name,
    ownerId,
    secretHash: sha256(clientSecret),
    signingSecret,
    redirectUris: settings.redirectUris,
    webhookUrl: settings.webhookUrl,
    webhookDisabledAt: null,
    webhookCursor: 0,
    webhookAttempts: 0,
    webhookNextAt: 0,
    webhookBatchTo: 0,
    createdAt: Date.now(),
  };
  await store.createApp(app);
  return { app: toAppView(app), clientSecret, signingSecret };
}

/** New client and signing secrets; the old ones stop working at once. */
export async function rotateSecrets(store: AppStore, appId: string): Promise<AppSecrets> {
  const clientSecret = newClientSecret(appId);
  const signingSecret = newSigningSecret();
  if (!(await store.setSecrets(appId, sha256(clientSecret), signingSecret)))
    throw new PresenceError('APP_NOT_FOUND');
  return { clientSecret, signingSecret };
}
