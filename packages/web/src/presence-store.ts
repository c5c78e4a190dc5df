/**
 * Presence, contacts and direct messages as the web app sees them: who is chatty, online, busy,
 * away or offline (only contacts and room co-members are visible), this user's own state, status
 * text and hidden flag, the contact list with its pending requests, and the DM conversations of
 * this tab. Fed by `presence`, `contact` and `dm` events; nothing here touches the DOM.
 */
import type {
  Contact,
  DeviceState,
  DeviceType,
  ParamsOf,
  PresenceState,
  ResultOf,
  UserPresence,
  UserRef,
} from '@presence/protocol';
import type { App } from './app.ts';
import { Emitter } from './emitter.ts';
import { unavailableText } from './presence-format.ts';
import { errorCode, errorText, type ChatClient } from './sdk.ts';

export type ContactsSnapshot = ResultOf<'contacts.list'>;

/** What this user chose for this device, remembered per account in this browser. */
export interface MyPresence {
  state: DeviceState;
  status: string | null;
  hidden: boolean;
  /** No input for a while: reported as `idleSince`, others then see away. */
  idle: boolean;
}

export interface DmMessage {
  /** Local key: the nonce for our own messages, the server id for received ones. */
  key: string;
  id: string | null;
  own: boolean;
  text: string;
  /** Server-rendered, sanitized HTML; null for our own until the server answered. */
  html: string | null;
  ts: number;
  /** sending → delivered | queued | failed for ours; received for theirs. */
  status: 'sending' | 'delivered' | 'queued' | 'failed' | 'received';
  /** Received: it was kept while we were away and delivered on our return. */
  offline: boolean;
  /** Failed: why, in words. */
  error: string | null;
}

export interface DmConversation {
  peer: UserRef;
  messages: DmMessage[];
  unread: number;
  /** When the last message either way was (from the server's dm.list, or seen here). */
  lastTs: number;
}

export interface PresenceStoreEvents extends Record<string, unknown> {
  /** Users whose presence changed (ids). */
  presence: ReadonlySet<string>;
  contacts: void;
  me: MyPresence;
  /** A conversation changed (new message, status, unread). */
  dm: { peer: string };
  /** Show the DM window for this peer. */
  dmOpen: { peer: UserRef };
}

const MINE_KEY = 'presence.mine.';
const MAX_DM_MESSAGES = 200;
const DMS_KEY = 'presence.dms.';
const SAVED_DM_MESSAGES = 50;

declare global {
  interface Window {
    /** For tests and debugging from the console: what this tab knows about presence. */
    __presence?: {
      /** The latest `presence.subscribe` snapshot, as received. */
      snapshot(): UserPresence[] | null;
      /** Every presence known now (snapshot merged with later events). */
      known(): UserPresence[];
      /** Shorten the idle delay (ms) to see idleness without waiting two minutes. */
      setIdleDelay(ms: number): void;
    };
  }
}

/** `mobile` on a narrow touch screen, otherwise `web`. */
export function deviceType(): DeviceType {
  const touch = window.matchMedia('(pointer: coarse)').matches;
  const narrow = window.matchMedia('(max-width: 760px)').matches;
  return touch && narrow ? 'mobile' : 'web';
}

function loadMine(user: string | null): MyPresence {
  const fallback: MyPresence = { state: 'online', status: null, hidden: false, idle: false };
  if (!user) return fallback;
  try {
    const raw = localStorage.getItem(MINE_KEY + user);
    const value = raw ? (JSON.parse(raw) as Partial<MyPresence>) : null;
    if (!value) return fallback;
    return {
      state: ['chatty', 'online', 'busy', 'away'].includes(value.state as string)
        ? (value.state as DeviceState)
        : 'online',
      status: typeof value.status === 'string' && value.status !== '' ? value.status : null,
      hidden: value.hidden === true,
      idle: false,
    };
  } catch {
    return fallback;
  }
}

function saveMine(user: string | null, mine: MyPresence): void {
  if (!user) return;
  try {
    const { state, status, hidden } = mine;
    localStorage.setItem(MINE_KEY + user, JSON.stringify({ state, status, hidden }));
  } catch {
    // Not remembered; fine.
  }
}

function lastActivity(c: DmConversation): number {
  return Math.max(c.lastTs, c.messages.at(-1)?.ts ?? 0);
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class PresenceStore extends Emitter<PresenceStoreEvents> {
  /** Presence of everyone this user may see, by user id. */
  readonly known = new Map<string, UserPresence>();
  /** The last `presence.subscribe` answer as received (tests read it through window.__presence). */
  snapshot: UserPresence[] | null = null;
  contacts: ContactsSnapshot | null = null;
  /** The server has no presence yet (NOT_IMPLEMENTED) or refuses it to this user (guests). */
  unavailable = false;
  contactsError = '';
  mine: MyPresence = loadMine(null);
  readonly dms = new Map<string, DmConversation>();
  /** Names and avatars of users met in contacts, rooms and messages (for DMs by id). */
  private readonly people = new Map<string, UserRef>();
  private mineFor: string | null = null;
  private attached: ChatClient | null = null;
  private contactsTimer: number | null = null;
  private saveTimer: number | null = null;
  idleDelayMs = 2 * 60_000;

  constructor(private readonly app: App) {
    super();
    this.on('dm', () => this.saveDms());
    window.__presence = {
      snapshot: () => (this.snapshot ? this.snapshot.map((p) => ({ ...p })) : null),
      known: () => [...this.known.values()].map((p) => ({ ...p })),
      setIdleDelay: (ms) => {
        this.idleDelayMs = ms;
        this.emit('me', this.mine);
      },
    };
  }

  private get me(): string | null {
    return this.app.userId;
  }

  /** Whether the current user is an account (contacts need a stable id; guests have none). */
  get isAccount(): boolean {
    const id = this.me;
    return id !== null && !id.startsWith('~');
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  /** After every (re)connect: report this device, subscribe, load the contact list. */
  async connected(client: ChatClient, resumed: boolean): Promise<void> {
    const user = this.me;
    if (user !== this.mineFor) {
      this.mineFor = user;
      this.mine = loadMine(user);
      this.emit('me', this.mine);
      this.loadDms(user);
    }
    this.attached = client;
    try {
      const params: ParamsOf<'presence.set'> = {
        device: deviceType(),
        state: this.mine.state,
        idleSince: this.mine.idle ? Date.now() - this.idleDelayMs : null,
        // A new session (a new tab, or the server restarted) carries what this browser chose.
        ...(!resumed && this.mine.hidden && { hidden: true }),
        ...(!resumed && this.mine.status !== null && { status: this.mine.status }),
      };
      const set = await client.request('presence.set', params);
      if (this.attached !== client) return;
      if (set.presence.state !== 'offline' && set.presence.status !== this.mine.status) {
        // The text is per user: another device may have changed it meanwhile.
        this.mine = { ...this.mine, status: set.presence.status };
        saveMine(user, this.mine);
        this.emit('me', this.mine);
      }
      const { presence } = await client.request('presence.subscribe', {});
      if (this.attached !== client) return;
      this.unavailable = false;
      this.snapshot = presence;
      const changed = new Set<string>([...this.known.keys(), ...presence.map((p) => p.user)]);
      this.known.clear();
      for (const p of presence) this.known.set(p.user, p);
      this.emit('presence', changed);
    } catch (err) {
      if (this.attached !== client) return;
      if (errorCode(err) === 'NOT_IMPLEMENTED' || errorCode(err) === 'FORBIDDEN') this.unavailable = true;
      else console.warn('presence:', errorText(err));
      this.emit('presence', new Set());
    }
    await Promise.all([this.loadContacts(), this.loadConversations(client)]);
  }

  /**
   * The server's list of conversations with their unread counts (dm.list): after every
   * (re)connect, so counts read or received elsewhere (another tab, another device) show here.
   */
  private async loadConversations(client: ChatClient): Promise<void> {
    try {
      const { conversations } = await client.request('dm.list', {});
      if (this.attached !== client) return;
      for (const c of conversations) {
        const known = this.dms.get(c.peer.id);
        const convo = this.conversation(known ? { ...c.peer, ...this.people.get(c.peer.id) } : c.peer);
        convo.unread = c.unread;
        convo.lastTs = Math.max(convo.lastTs, c.lastTs);
        this.remember(convo.peer);
      }
      this.emit('dm', { peer: '' });
    } catch (err) {
      if (errorCode(err) !== 'NOT_IMPLEMENTED') console.warn('dm.list:', errorText(err));
    }
  }

  /** Another session of ours read the conversation (dm.read event). */
  applyDmRead(peer: string): void {
    const convo = this.dms.get(peer);
    if (!convo || convo.unread === 0) return;
    convo.unread = 0;
    this.emit('dm', { peer });
  }

  /** Conversations, most recent first (the DM list). */
  conversations(): DmConversation[] {
    return [...this.dms.values()]
      .filter((c) => c.lastTs > 0 || c.messages.length > 0)
      .sort((a, b) => lastActivity(b) - lastActivity(a) || a.peer.name.localeCompare(b.peer.name));
  }

  /** Unread direct messages in all conversations (the tab title counts them as mentions). */
  dmUnread(): number {
    let n = 0;
    for (const c of this.dms.values()) n += c.unread;
    return n;
  }

  /** Logged in or out: forget everything about the previous user. */
  reset(): void {
    this.attached = null;
    this.known.clear();
    this.snapshot = null;
    this.contacts = null;
    this.contactsError = '';
    this.unavailable = false;
    this.dms.clear();
    try {
      if (this.mineFor) sessionStorage.removeItem(DMS_KEY + this.mineFor);
    } catch {
      // Nothing kept.
    }
    this.mineFor = null;
    this.mine = loadMine(null);
    this.emit('presence', new Set());
    this.emit('contacts', undefined);
    this.emit('me', this.mine);
  }

  private client(): Promise<ChatClient> {
    return this.app.connected();
  }

  // -------------------------------------------------------------------------------------------
  // Presence

  applyPresence(users: readonly UserPresence[]): void {
    const changed = new Set<string>();
    for (const p of users) {
      this.known.set(p.user, p);
      changed.add(p.user);
    }
    if (changed.size > 0) this.emit('presence', changed);
  }

  /**
   * What this user sees of `user`; undefined when nothing (a stranger). Our own is what we chose,
   * as others see it (offline while hidden).
   */
  presenceOf(user: string): UserPresence | undefined {
    if (user === this.me) {
      const seen = this.known.get(user);
      return {
        user,
        state: this.mine.hidden ? 'offline' : this.myState(),
        status: this.mine.hidden ? null : this.mine.status,
        mobile: seen?.mobile ?? false,
        lastActive: seen?.lastActive ?? null,
      };
    }
    return this.known.get(user);
  }

  stateOf(user: string): PresenceState | undefined {
    return this.presenceOf(user)?.state;
  }

  /** Our own state as shown to us (idle shows as away). */
  myState(): DeviceState {
    return this.mine.idle ? 'away' : this.mine.state;
  }

  async setState(state: DeviceState): Promise<void> {
    await this.setMine({ state }, { state });
  }

  async setStatus(status: string | null): Promise<void> {
    const text = status?.trim() ? status.trim() : null;
    await this.setMine({ status: text }, { status: text });
  }

  async setHidden(hidden: boolean): Promise<void> {
    await this.setMine({ hidden }, { hidden });
  }

  /** The idle tracker: `since` when input stopped, null on activity. */
  setIdle(since: number | null): void {
    const idle = since !== null;
    if (idle === this.mine.idle) return;
    this.mine = { ...this.mine, idle };
    this.emit('me', this.mine);
    if (!this.attached || this.app.conn !== 'connected') return;
    this.attached.request('presence.set', { idleSince: since }).catch(() => undefined);
  }

  private async setMine(
    change: Partial<MyPresence>,
    params: { state?: DeviceState; status?: string | null; hidden?: boolean },
  ): Promise<void> {
    const before = this.mine;
    this.mine = { ...this.mine, ...change };
    saveMine(this.me, this.mine);
    this.emit('me', this.mine);
    this.emit('presence', new Set(this.me ? [this.me] : []));
    try {
      const client = await this.client();
      await client.request('presence.set', params);
    } catch (err) {
      this.mine = before;
      saveMine(this.me, this.mine);
      this.emit('me', this.mine);
      this.emit('presence', new Set(this.me ? [this.me] : []));
      this.app.toast(`Could not change your status: ${errorText(err)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Contacts

  async loadContacts(): Promise<void> {
    if (!this.isAccount) {
      this.contacts = null;
      this.emit('contacts', undefined);
      return;
    }
    try {
      const client = await this.client();
      const contacts = await client.request('contacts.list', {});
      this.contacts = contacts;
      this.contactsError = '';
      for (const c of contacts.contacts) this.remember(c.user);
      for (const r of [...contacts.incoming, ...contacts.outgoing]) this.remember(r.user);
    } catch (err) {
      this.contactsError =
        errorCode(err) === 'NOT_IMPLEMENTED'
          ? 'Contacts are not available on this server yet.'
          : errorText(err);
    }
    this.emit('contacts', undefined);
  }

  /** Reload the contact list soon (coalesced), e.g. after a `contact` event. */
  private scheduleContacts(): void {
    if (this.contactsTimer !== null) window.clearTimeout(this.contactsTimer);
    this.contactsTimer = window.setTimeout(() => {
      this.contactsTimer = null;
      void this.loadContacts();
    }, 50);
  }

  applyContactEvent(event: {
    kind: 'request' | 'accepted' | 'denied' | 'cancelled' | 'removed';
    user: UserRef;
    message?: string | null | undefined;
  }): void {
    this.remember(event.user);
    const name = event.user.name;
    if (event.kind === 'request') {
      this.app.toast(`${name} wants to add you as a contact.`, 'info');
    } else if (event.kind === 'accepted') {
      this.app.toast(`${name} is now one of your contacts.`, 'info');
    } else if (event.kind === 'denied') {
      this.app.toast(`${name} declined your contact request.`, 'info');
    }
    this.scheduleContacts();
  }

  contact(user: string): Contact | undefined {
    return this.contacts?.contacts.find((c) => c.user.id === user);
  }

  isContact(user: string): boolean {
    return this.contact(user) !== undefined;
  }

  isBlocked(user: string): boolean {
    return this.contacts?.blocked.some((u) => u.id === user) ?? false;
  }

  hasOutgoing(user: string): boolean {
    return this.contacts?.outgoing.some((r) => r.user.id === user) ?? false;
  }

  /** Every group label in use, sorted (the important one first). */
  groups(): string[] {
    const all = new Set<string>();
    for (const c of this.contacts?.contacts ?? []) for (const g of c.groups) all.add(g);
    const important = this.contacts?.importantGroup ?? null;
    if (important) all.add(important);
    return [...all].sort((a, b) =>
      a === important ? -1 : b === important ? 1 : a.localeCompare(b, undefined, { sensitivity: 'base' }),
    );
  }

  /** Ask `user` (an id) to become a contact; 'accepted' when they had already asked us. */
  async requestContact(user: string, message?: string): Promise<'pending' | 'accepted'> {
    const client = await this.client();
    const { status } = await client.request('contacts.request', {
      user,
      ...(message?.trim() ? { message: message.trim() } : {}),
    });
    await this.loadContacts();
    return status;
  }

  /** accept, deny, cancel, remove, block, unblock: then the list is reloaded. */
  async contactAction(
    action: 'accept' | 'deny' | 'cancel' | 'remove' | 'block' | 'unblock',
    user: string,
  ): Promise<void> {
    const client = await this.client();
    await client.request(`contacts.${action}`, { user });
    await this.loadContacts();
  }

  async setGroups(user: string, groups: string[]): Promise<void> {
    const client = await this.client();
    await client.request('contacts.groups', { user, groups });
    await this.loadContacts();
  }

  async setImportant(group: string | null): Promise<void> {
    const client = await this.client();
    await client.request('contacts.important', { group });
    await this.loadContacts();
  }

  // -------------------------------------------------------------------------------------------
  // People and direct messages

  /** Remember a user's name and avatar (room members, message authors, contacts). */
  remember(user: UserRef): void {
    this.people.set(user.id, { id: user.id, name: user.name, avatar: user.avatar });
  }

  person(id: string): UserRef | undefined {
    return this.people.get(id) ?? this.dms.get(id)?.peer;
  }

  private conversation(peer: UserRef): DmConversation {
    let convo = this.dms.get(peer.id);
    if (!convo) {
      convo = { peer, messages: [], unread: 0, lastTs: 0 };
      this.dms.set(peer.id, convo);
    } else {
      convo.peer = peer;
    }
    return convo;
  }

  openDm(peer: UserRef): void {
    this.remember(peer);
    this.conversation(peer);
    this.emit('dmOpen', { peer });
  }

  markDmRead(peer: string): void {
    const convo = this.dms.get(peer);
    if (!convo || convo.unread === 0) return;
    convo.unread = 0;
    this.emit('dm', { peer });
    // Kept on the server, so other tabs and the next session agree.
    this.attached?.request('dm.read', { peer }).catch(() => undefined);
  }

  /** Send a direct message; its outcome (delivered, queued, refused) shows on the message. */
  async sendDm(peer: UserRef, text: string): Promise<void> {
    const convo = this.conversation(peer);
    const nonce = randomNonce();
    const msg: DmMessage = {
      key: nonce,
      id: null,
      own: true,
      text,
      html: null,
      ts: Date.now(),
      status: 'sending',
      offline: false,
      error: null,
    };
    this.push(convo, msg);
    try {
      const client = await this.client();
      const result = await client.request('dm.send', { to: peer.id, text, nonce });
      msg.status = result.outcome;
      msg.id = result.id;
      msg.ts = result.ts;
      // Shown as the server rendered it, as the recipient sees it (not the markdown source).
      msg.html = result.html;
      // Our own echo (from another device) may have come first: keep one.
      const twin = convo.messages.find((m) => m !== msg && m.id === result.id);
      if (twin) {
        convo.messages.splice(convo.messages.indexOf(twin), 1);
      }
    } catch (err) {
      msg.status = 'failed';
      msg.error =
        errorCode(err) === 'RECIPIENT_UNAVAILABLE'
          ? unavailableText(peer.name, this.stateOf(peer.id), this.isContact(peer.id))
          : errorCode(err) === 'NOT_IMPLEMENTED'
            ? 'Direct messages are not available on this server yet.'
            : `Not sent: ${errorText(err)}`;
    }
    this.emit('dm', { peer: peer.id });
  }

  applyDm(event: {
    id: string;
    from: UserRef;
    to: string;
    text: string;
    html: string;
    ts: number;
    offline: boolean;
  }): void {
    const own = event.from.id === this.me;
    const peer = own ? this.person(event.to) : event.from;
    if (!peer) return; // our own message to someone this tab never met: nothing to show it in
    if (!own) this.remember(event.from);
    const convo = this.conversation(peer);
    const existing = convo.messages.find((m) => m.id === event.id);
    if (existing) {
      existing.html = event.html;
    } else {
      this.push(convo, {
        key: event.id,
        id: event.id,
        own,
        text: event.text,
        html: event.html,
        ts: event.ts,
        status: own ? 'delivered' : 'received',
        offline: event.offline,
        error: null,
      });
      if (!own) convo.unread += 1;
    }
    this.emit('dm', { peer: peer.id });
  }

  /**
   * Conversations survive a reload of the tab (sessionStorage, like the session token): the server
   * keeps no DM history, so this tab's is all there is.
   */
  private loadDms(user: string | null): void {
    if (!user) return;
    try {
      const raw = sessionStorage.getItem(DMS_KEY + user);
      const saved = raw ? (JSON.parse(raw) as DmConversation[]) : [];
      for (const convo of saved) {
        if (this.dms.has(convo.peer.id)) continue;
        for (const m of convo.messages) {
          if (m.status !== 'sending') continue;
          m.status = 'failed';
          m.error = 'Not sent: the page was reloaded before it went out.';
        }
        this.dms.set(convo.peer.id, convo);
        this.remember(convo.peer);
      }
    } catch {
      // Damaged or unavailable: start without.
    }
  }

  private saveDms(): void {
    if (this.saveTimer !== null || !this.mineFor) return;
    const user = this.mineFor;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = null;
      if (user !== this.mineFor) return;
      const convos = [...this.dms.values()].map((c) => ({
        ...c,
        messages: c.messages.slice(-SAVED_DM_MESSAGES),
      }));
      try {
        sessionStorage.setItem(DMS_KEY + user, JSON.stringify(convos));
      } catch {
        // Not kept; fine.
      }
    }, 300);
  }

  private push(convo: DmConversation, msg: DmMessage): void {
    convo.messages.push(msg);
    convo.lastTs = Math.max(convo.lastTs, msg.ts);
    if (convo.messages.length > MAX_DM_MESSAGES)
      convo.messages.splice(0, convo.messages.length - MAX_DM_MESSAGES);
    this.emit('dm', { peer: convo.peer.id });
  }
}
