import { FederationError } from './federation-errors.js';
import type { FederationKind } from './federation-transport.js';

/** Handles one verified request from `origin`; resolves with the reply body. */
export type FederationHandler = (origin: string, body: unknown) => Promise<object>;

/** Verified requests, by endpoint, to whichever service registered for it. */
export class FederationInbox {
  readonly #handlers = new Map<FederationKind, FederationHandler>();

  on(kind: FederationKind, handler: FederationHandler): void {
    this.#handlers.set(kind, handler);
  }

  handle(origin: string, kind: FederationKind, body: unknown): Promise<object> {
    const handler = this.#handlers.get(kind);
    if (!handler)
      return Promise.reject(new FederationError('BAD_FEDERATION_REQUEST', `no ${kind} endpoint here`));
    return handler(origin, body);
  }
}
