/** Which domains this server federates with: deny wins, then an allow list (empty = any). */
export class FederationGuard {
  readonly #allow: Set<string>;
  readonly #deny: Set<string>;

  constructor(opts: { allow: readonly string[]; deny: readonly string[]; self: string }) {
    this.#allow = new Set(opts.allow.map((d) => d.toLowerCase()));
    this.#deny = new Set([...opts.deny.map((d) => d.toLowerCase()), opts.self.toLowerCase()]);
  }

  allowed(domain: string): boolean {
    const d = domain.toLowerCase();
    if (this.#deny.has(d)) return false;
    return this.#allow.size === 0 || this.#allow.has(d);
  }
}

/** The domain part of a user id (`alice@chat.example.org` → `chat.example.org`); '' when none. */
export function domainOf(userId: string): string {
  const at = userId.lastIndexOf('@');
  return at === -1 ? '' : userId.slice(at + 1).toLowerCase();
}
