import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics. One registry per server instance so tests running several servers stay apart. */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'presence_connections',
    help: 'Open client connections by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'presence_sessions',
    help: 'Sessions, attached or within their grace period.',
    registers: [this.registry],
  });
  readonly rooms = new Gauge({
    name: 'presence_rooms',
    help: 'Rooms loaded in memory by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'presence_messages_in_total',
    help: 'Messages received from clients, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'presence_messages_out_total',
    help: 'Frames written to clients (one per recipient).',
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'presence_errors_total',
    help: 'Error replies and closes by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** messagesIn bound to each type once: inc with labels hashes them every time (a per-frame cost). */
  readonly #inByType = new Map<string, { inc(): void }>();

  /** Count one message received from a client. */
  countIn(type: string): void {
    let counter = this.#inByType.get(type);
    if (counter === undefined) {
      counter = this.messagesIn.labels({ type });
      this.#inByType.set(type, counter);
    }
    counter.inc();
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
