/** Typing notifications, both directions. Timers are injectable so the rules are unit-tested. */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

export const TYPING_REFRESH_MS = 3000;
export const TYPING_IDLE_MS = 5000;
export const TYPING_EXPIRE_MS = 6000;

/**
 * Our own typing state: `typing: true` at most every 3 s while keys are pressed, `false` on send,
 * blur, an emptied composer, or after 5 s without input.
 */
export class TypingSender {
  private active = false;
  private lastSent = 0;
  private idle: unknown = null;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly clock: Clock = realClock,
    private readonly refreshMs = TYPING_REFRESH_MS,
    private readonly idleMs = TYPING_IDLE_MS,
  ) {}

  get isTyping(): boolean {
    return this.active;
  }

  /** Call on every input event of the composer. */
  input(hasText: boolean): void {
    if (!hasText) {
      this.stop();
      return;
    }
    const now = this.clock.now();
    if (!this.active || now - this.lastSent >= this.refreshMs) {
      this.active = true;
      this.lastSent = now;
      this.send(true);
    }
    if (this.idle !== null) this.clock.clearTimeout(this.idle);
    this.idle = this.clock.setTimeout(() => {
      this.idle = null;
      this.stop();
    }, this.idleMs);
  }

  /** Call on send and blur. */
  stop(): void {
    if (this.idle !== null) {
      this.clock.clearTimeout(this.idle);
      this.idle = null;
    }
    if (!this.active) return;
    this.active = false;
    this.lastSent = 0;
    this.send(false);
  }
}

/** Who else is typing in a room; an entry expires 6 s after its last `typing: true`. */
export class TypingTracker {
  private readonly typists = new Map<string, { name: string; timer: unknown }>();

  constructor(
    private readonly onChange: () => void,
    private readonly clock: Clock = realClock,
    private readonly expireMs = TYPING_EXPIRE_MS,
  ) {}

  set(user: { id: string; name: string }, typing: boolean): void {
    const existing = this.typists.get(user.id);
    if (existing) this.clock.clearTimeout(existing.timer);
    if (!typing) {
      if (existing) {
        this.typists.delete(user.id);
        this.onChange();
      }
      return;
    }
    const timer = this.clock.setTimeout(() => this.set(user, false), this.expireMs);
    this.typists.set(user.id, { name: user.name, timer });
    if (!existing || existing.name !== user.name) this.onChange();
  }

  /** Names in the order they started typing. */
  names(): string[] {
    return [...this.typists.values()].map((t) => t.name);
  }

  clear(): void {
    if (this.typists.size === 0) return;
    for (const t of this.typists.values()) this.clock.clearTimeout(t.timer);
    this.typists.clear();
    this.onChange();
  }
}
