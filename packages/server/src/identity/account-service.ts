import { randomUUID } from 'node:crypto';
import { displayName, PresenceError, type UserRef } from '@presence/protocol';
import { z } from 'zod';
import type { AccountStore } from '../store/identity-store.js';
import { UsernameTakenError } from '../store/identity-store.js';
import { FailureLimiter, type FailureLimit } from './failure-limiter.js';
import type { Identity, IdentityService } from './identity-service.js';
import { userRefOf } from './identity-service.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { systemUser } from './service-users.js';

/** Login names: lower-cased, then 2–32 of a-z 0-9 . _ - starting with a letter or digit. */
export const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'usernames are 2–32 of a-z 0-9 . _ - and start with a-z or 0-9');
export const password = z.string().min(8, 'at least 8 characters').max(256, 'at most 256 characters');
export { displayName };

export interface LoginLimits {
  perAccount: FailureLimit;
  perIp: FailureLimit;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: { max: 5, windowMs: 15 * 60_000 },
  perIp: { max: 20, windowMs: 15 * 60_000 },
};

/** RATE_LIMITED with the time until the next attempt may succeed. */
export class LoginRateLimitedError extends PresenceError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', 'Too many failed logins; try again later.');
    this.retryAfterMs = Math.max(1, Math.ceil(retryAfterMs));
  }
}

export interface AccountResult {
  userId: string;
  name: string;
  /** A Presence session token: send it in hello, or as a Bearer token to the REST API. */
  token: string;
  /** The guest that became this account (its token came with the request), or null. */
  guest: string | null;
}

/** Carries a guest's rooms, contacts and status over to an account (wired in server.ts). */
export type GuestUpgrade = (guest: UserRef, account: UserRef) => Promise<void>;

function parse<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new PresenceError('INVALID_MESSAGE', `${field}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

/**
 * Local accounts: register, log in, log out, change password. Errors are PresenceErrors with
 * protocol codes. A login never tells whether the username exists: unknown names are verified
 * against a dummy hash and fail with the same INVALID_CREDENTIALS, in about the same time.
 * Failed attempts are limited per account and per IP address (in memory, bounded).
 */
export class AccountService {
  readonly #accounts: AccountStore;
  readonly #identity: IdentityService;
  readonly #domain: string;
  readonly #byAccount: FailureLimiter;
  readonly #byIp: FailureLimiter;
  readonly #registration: boolean;
  #upgrade: GuestUpgrade | null = null;

  constructor(deps: {
    accounts: AccountStore;
    identity: IdentityService;
    domain: string;
    /** False closes self-registration (FORBIDDEN); accounts may still be created by operators. */
    registration?: boolean;
    limits?: LoginLimits;
  }) {
    this.#accounts = deps.accounts;
    this.#identity = deps.identity;
    this.#domain = deps.domain;
    this.#registration = deps.registration ?? true;
    const limits = deps.limits ?? DEFAULT_LOGIN_LIMITS;
    this.#byAccount = new FailureLimiter(limits.perAccount);
    this.#byIp = new FailureLimiter(limits.perIp);
    // Compute the dummy hash now, so the first unknown-user login is not the one that pays for it.
    void dummyHash();
  }

  /** Set how a guest becomes an account (the services that hold its data are made later). */
  upgradeWith(upgrade: GuestUpgrade): void {
    this.#upgrade = upgrade;
  }

  /**
   * The guest a register or login was made from: `guestToken` is that session's token. Anything
   * but a valid guest token (none, an account's, expired) means "no guest": nothing to carry over.
   */
  async #guestOf(guestToken: string | undefined): Promise<UserRef | null> {
    if (guestToken === undefined) return null;
    const identity = await this.#identity.authenticate(guestToken);
    return identity?.kind === 'guest' ? identity.user : null;
  }

  async #carryOver(guest: UserRef | null, account: UserRef): Promise<string | null> {
    if (!guest || !this.#upgrade) return null;
    await this.#upgrade(guest, account);
    return guest.id;
  }

  async register(
    input: { username: unknown; password: unknown; name: unknown },
    guestToken?: string,
  ): Promise<AccountResult> {
    if (!this.#registration) throw new PresenceError('FORBIDDEN', 'Registration is closed on this server.');
    const name = parse(username, input.username, 'username');
    const secret = parse(password, input.password, 'password');
    const shown = parse(displayName, input.name, 'name');
    const id = `${name}@${this.#domain}`;
    // The system user's id (what backends post as) is not for anyone to register.
    if (id === systemUser(this.#domain).id) throw new PresenceError('USERNAME_TAKEN');
    const user = {
      id,
      username: name,
      name: shown,
      avatarUrl: null,
      passwordHash: await hashPassword(secret),
      kind: 'local' as const,
      tokenVersion: 0,
      createdAt: Date.now(),
    };
    const guest = await this.#guestOf(guestToken);
    try {
      await this.#accounts.createUser(user);
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new PresenceError('USERNAME_TAKEN');
      throw err;
    }
    const ref = userRefOf(user);
    const merged = await this.#carryOver(guest, ref);
    return { ...(await this.#result(ref, randomUUID(), 0)), guest: merged };
  }

  async login(
    input: { username: string; password: string },
    ip: string,
    guestToken?: string,
  ): Promise<AccountResult> {
    const name = input.username.trim().toLowerCase();
    const user = await this.#attempt(name, ip, async () => {
      const found = await this.#accounts.getUserByUsername(name);
      // Verify even when there is nothing to verify against: the same work, the same answer.
      const ok = await verifyPassword(input.password, found?.passwordHash ?? (await dummyHash()));
      return ok && found?.passwordHash ? found : null;
    });
    const ref = userRefOf(user);
    const merged = await this.#carryOver(await this.#guestOf(guestToken), ref);
    return { ...(await this.#result(ref, randomUUID(), user.tokenVersion)), guest: merged };
  }

  /** Revoke the token presented (until it would have expired anyway). */
  async logout(token: string): Promise<void> {
    const identity = await this.#authenticate(token);
    if (!identity.revocable) {
      throw new PresenceError('FORBIDDEN', 'Only session tokens of accounts can be logged out.');
    }
    await this.#accounts.revokeToken(identity.revocable.jti, identity.revocable.expiresAt);
  }

  /** Every older token of the user stops working; the returned one carries the new version. */
  async changePassword(
    token: string,
    input: { oldPassword: string; newPassword: unknown },
    ip: string,
  ): Promise<{ token: string }> {
    const identity = await this.#authenticate(token);
    const secret = parse(password, input.newPassword, 'newPassword');
    const user = await this.#accounts.getUser(identity.user.id);
    if (!user || user.kind !== 'local' || !user.passwordHash || !user.username) {
      throw new PresenceError('FORBIDDEN', 'Only local accounts have a password.');
    }
    const stored = user.passwordHash;
    // A stolen token must not become a way to guess the password: same limits as login.
    await this.#attempt(user.username, ip, async () =>
      (await verifyPassword(input.oldPassword, stored)) ? user : null,
    );
    const tokenVersion = user.tokenVersion + 1;
    await this.#accounts.updateUser(user.id, { passwordHash: await hashPassword(secret), tokenVersion });
    const { token: fresh } = await this.#result(
      userRefOf(user),
      identity.sessionId ?? randomUUID(),
      tokenVersion,
    );
    return { token: fresh };
  }

  /** Who the token names (guests included). */
  me(token: string): Promise<Identity> {
    return this.#authenticate(token);
  }

  async #authenticate(token: string): Promise<Identity> {
    const identity = await this.#identity.authenticate(token);
    if (!identity) throw new PresenceError('UNAUTHORIZED');
    return identity;
  }

  /**
   * Run one password check under the failure limits. The attempt is counted before the check
   * (concurrent guesses cannot slip past the limit) and taken back if it succeeds.
   */
  async #attempt<T>(account: string, ip: string, check: () => Promise<T | null>): Promise<T> {
    const wait = Math.max(this.#byAccount.retryAfterMs(account), this.#byIp.retryAfterMs(ip));
    if (wait > 0) throw new LoginRateLimitedError(wait);
    this.#byAccount.fail(account);
    this.#byIp.fail(ip);
    let ok: T | null;
    try {
      ok = await check();
    } catch (err) {
      // The store was down: that was no guess.
      this.#byAccount.forgive(account);
      this.#byIp.forgive(ip);
      throw err;
    }
    if (ok === null) throw new PresenceError('INVALID_CREDENTIALS');
    this.#byAccount.reset(account);
    this.#byIp.forgive(ip);
    return ok;
  }

  async #result(
    user: { id: string; name: string; avatar: string },
    sessionId: string,
    tokenVersion: number,
  ): Promise<Omit<AccountResult, 'guest'>> {
    return {
      userId: user.id,
      name: user.name,
      token: await this.#identity.issue(user, sessionId, tokenVersion),
    };
  }
}
