/**
 * The invites of one room as the invite dialog shows them, kept in signals: an owner's or admin's
 * list is the server's `invite.list` (active invites only), reloaded when it may have changed —
 * someone joined (a use), the dialog was reopened, a revoke, and every few seconds while shown;
 * a member, who may not list the room's invites, sees the ones created in this tab, checked
 * against the public preview (`GET /api/invites/:code`) so used or revoked ones drop out.
 */
import { computed, signal } from '@preact/signals';
import type { Invite } from '@presence/protocol';
import type { App } from '../app.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';

/** Invites a member created in this tab, per room (kept while the tab lives). */
const createdHere = new Map<string, Invite[]>();

const REFRESH_MS = 5_000;

export class RoomInvites {
  /** Active invites, or null before the first answer. */
  readonly invites = signal<Invite[] | null>(null);
  readonly loadError = signal('');
  /** The invite just created in this dialog, shown with its link. */
  readonly created = signal<Invite | null>(null);
  /** The created invite as it is now: its current uses, or null once it stopped working. */
  readonly createdNow = computed(() => {
    const created = this.created.value;
    const invites = this.invites.value;
    if (!created || invites === null) return created;
    return invites.find((i) => i.code === created.code) ?? null;
  });
  readonly #loadedOnce = signal(false);
  #seq = 0;

  constructor(
    private readonly app: App,
    private readonly room: RoomStore,
    readonly listAll: boolean,
  ) {
    if (!listAll) this.invites.value = [...(createdHere.get(room.id) ?? [])];
  }

  get loaded(): boolean {
    return this.#loadedOnce.value;
  }

  /** Start following the room; returns the stop function (the dialog's lifetime). */
  follow(): () => void {
    void this.load();
    const off = this.room.on('members', () => void this.load());
    const timer = window.setInterval(() => void this.load(), REFRESH_MS);
    return () => {
      off();
      window.clearInterval(timer);
    };
  }

  async load(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const fresh = this.listAll ? await this.#listed() : await this.#stillValid();
      if (seq !== this.#seq) return; // a later load answers for it
      this.invites.value = fresh;
      this.loadError.value = '';
    } catch (err) {
      if (seq === this.#seq) this.loadError.value = `Could not load the invites: ${errorText(err)}`;
    } finally {
      if (seq === this.#seq) this.#loadedOnce.value = true;
    }
  }

  async create(params: {
    kind: Invite['kind'];
    maxUses?: number;
    expiresInSeconds?: number;
  }): Promise<Invite> {
    const client = await this.app.connected();
    const { invite } = await client.request('invite.create', { room: this.room.id, ...params });
    if (!this.listAll) createdHere.set(this.room.id, [...(createdHere.get(this.room.id) ?? []), invite]);
    this.invites.value = [...(this.invites.value ?? []), invite];
    this.created.value = invite;
    void this.load();
    return invite;
  }

  async revoke(code: string): Promise<void> {
    const client = await this.app.connected();
    await client.request('invite.revoke', { room: this.room.id, code });
    this.#forget(code);
    void this.load();
  }

  async #listed(): Promise<Invite[]> {
    const client = await this.app.connected();
    const { invites } = await client.request('invite.list', { room: this.room.id });
    return invites;
  }

  /** A member's own invites that the server still accepts. */
  async #stillValid(): Promise<Invite[]> {
    const mine = createdHere.get(this.room.id) ?? [];
    const checks = await Promise.all(
      mine.map(async (invite) => {
        const res = await fetch(`/api/invites/${encodeURIComponent(invite.code)}`, {
          headers: { accept: 'application/json' },
        });
        if (res.status >= 500) return true; // cannot tell: keep it
        const body = (await res.json().catch(() => ({}))) as { valid?: unknown };
        return body.valid === true;
      }),
    );
    for (const [i, ok] of checks.entries()) if (!ok && mine[i]) this.#forget(mine[i].code);
    return [...(createdHere.get(this.room.id) ?? [])];
  }

  #forget(code: string): void {
    const mine = createdHere.get(this.room.id);
    if (mine)
      createdHere.set(
        this.room.id,
        mine.filter((i) => i.code !== code),
      );
    this.invites.value = (this.invites.value ?? []).filter((i) => i.code !== code);
  }
}
