import { unrefTimer, type Timer } from './timers.js';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Send a `ping` request; resolves true if the server answered, false if it timed out. */
  probe(timeoutMs: number): Promise<boolean>;
  /** The server stopped answering: drop the connection. */
  dead(): void;
}

/**
 * Detects a silently dead server (half-open TCP, a sleeping laptop's stale socket): when nothing has
 * been heard for `intervalMs`, ask with a `ping` request, and give up if no reply comes within
 * `timeoutMs`. Timers are unref'd: the heartbeat alone must never keep a Node process alive.
 */
export class Heartbeat {
  private timer: Timer | undefined;
  private lastHeard = Date.now();
  private stopped = false;

  constructor(private readonly options: HeartbeatOptions) {
    this.schedule(options.intervalMs);
  }

  /** Anything arrived from the server: it is alive. */
  heard(): void {
    this.lastHeard = Date.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = unrefTimer(setTimeout(() => this.check(), ms));
  }

  private check(): void {
    const idle = Date.now() - this.lastHeard;
    if (idle < this.options.intervalMs) {
      this.schedule(this.options.intervalMs - idle);
      return;
    }
    const askedAt = Date.now();
    void this.options.probe(this.options.timeoutMs).then((answered) => {
      if (this.stopped) return;
      // A busy server may answer the ping late while other messages show it is alive.
      if (answered || this.lastHeard >= askedAt) this.schedule(this.options.intervalMs);
      else {
        this.stop();
        this.options.dead();
      }
    });
  }
}
