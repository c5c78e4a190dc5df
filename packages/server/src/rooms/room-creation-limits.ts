import { PresenceError } from '@presence/protocol';
import { FailureLimiter } from '../identity/failure-limiter.js';
import type { Actor } from '../shared/actor.js';

export interface RoomCreationOptions {
  roomCreatesPerUser: number;
  roomCreatesPerAddress: number;
  roomCreateWindowMs: number;
}

/**
 * How many named (persistent) rooms a user, and an address, may create per window. The
 * per-session room limit does not bound them: a session can leave its rooms and make more, and a
 * guest can come back as a new guest, so both the user and the address are counted. In memory and
 * per node, like the login limits; a cluster multiplies the allowance by its node count.
 */
export class RoomCreationLimits {
  readonly #perUser: FailureLimiter;
  readonly #perAddress: FailureLimiter;

  constructor(options: RoomCreationOptions, now?: () => number) {
    const clock = now ? { now } : {};
    this.#perUser = new FailureLimiter(
      { max: options.roomCreatesPerUser, windowMs: options.roomCreateWindowMs },
      clock,
    );
    this.#perAddress = new FailureLimiter(
      { max: options.roomCreatesPerAddress, windowMs: options.roomCreateWindowMs },
      clock,
    );
  }

  /**
   * Count one creation, or throw RATE_LIMITED (with retryAfterMs) when either limit is used up.
   * Counted up front so that concurrent creations cannot slip past; `giveBack` if it then fails.
   */
  take(actor: Actor): void {
    const user = this.#perUser.retryAfterMs(actor.user.id);
    const address = actor.address !== undefined ? this.#perAddress.retryAfterMs(actor.address) : 0;
    const wait = Math.max(user, address);
    if (wait > 0) {
      throw new PresenceError(
        'RATE_LIMITED',
        user > 0
          ? 'You have created too many named rooms recently; try again later.'
          : 'Too many named rooms were created from this address recently; try again later.',
        { retryAfterMs: Math.max(1, Math.ceil(wait)) },
      );
    }
    this.#perUser.fail(actor.user.id);
    if (actor.address !== undefined) this.#perAddress.fail(actor.address);
  }

  giveBack(actor: Actor): void {
    this.#perUser.forgive(actor.user.id);
    if (actor.address !== undefined) this.#perAddress.forgive(actor.address);
  }
}
