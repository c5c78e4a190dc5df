import type {
  ModerationRequestType,
  ParamsOf,
  ResultOf,
  RoomEvent,
  Visibility,
  Welcome,
} from '@presence/protocol';
import type { LiveModeEvent, LiveSfuOfferEvent, LiveSignalEvent } from './call/live-roster.ts';
import { Emitter } from './emitter.ts';
import { PresenceStore } from './presence-store.ts';
import { RoomStore, type PendingMessage } from './room-store.ts';
import { createClient, errorCode, errorText, type ChatClient, type ConnState } from './sdk.ts';
import {
  savedAccount,
  savedName,
  savedRemote,
  savedToken,
  saveName,
  saveRemote,
  saveToken,
  type SavedAccount,
} from './storage.ts';
import { setHomeDomain } from './names.ts';

export type MyRoom = ResultOf<'rooms.mine'>['rooms'][number];

/** A row of the "My rooms" list: the server's persistent rooms plus the rooms joined in this tab. */
export interface RoomListEntry {
  id: string;
  name: string | null;
  persistent: boolean;
  unread: number;
}

/** Connection as the banner shows it: `idle` until a name is known and a first connect starts. */
export type AppConnState = ConnState | 'idle' | 'failed';

export interface AppEvents extends Record<string, unknown> {
  conn: AppConnState;
  me: Welcome | null;
  myRooms: void;
  toast: { text: string; kind: 'error' | 'info'; key: string };
  /** A call signaling message addressed to this session. */
  liveSignal: LiveSignalEvent;
  /** The SFU offers this session's subscriber PeerConnection. */
  liveSfuOffer: LiveSfuOfferEvent;
  /** A room's call changed media mode (or its SFU restarted). */
  liveMode: LiveModeEvent;
  /** A knock of this session was answered. */
  lobbyOutcome: { room: string; knock: string; admitted: boolean };
  /** Logged in or out: the views start over with the new user. */
  identity: void;
  /** The browser's network went away (false) or came back (true). */
  network: boolean;
  /** Every room-log event, after the room's store had it (notifications listen here). */
  roomEvent: RoomEvent;
  /** A room this tab was in was deleted by its owner. */
  roomDeleted: { room: string; by: string };
  /** A room's recordings changed (one is ready or was deleted). */
  recordings: { room: string };
}

/** What an App for another server's rooms hangs off: that server, and the user's home App. */
export interface RemoteOrigin {
  server: string;
  home: App;
}

/**
 * App-wide state: the one client connection, the joined rooms and "My rooms". Views read it and
 * subscribe to its events; nothing here touches the DOM.
 *
 * `app.remote(server)` is an App of the same shape for rooms of another server, connected there as
 * this user: its first connect presents a `federation.assertion` from the home server as the
 * token, later ones the other server's own session token (docs/federation.md).
 */
export class App extends Emitter<AppEvents> {
  name = savedName();
  conn: AppConnState = 'idle';
  me: Welcome | null = null;
  readonly rooms = new Map<string, RoomStore>();
  /** Presence, contacts and direct messages of the current user. */
  readonly presence = new PresenceStore(this);
  /** `rooms.mine`, or null before it loaded / when the server cannot answer it yet. */
  myRooms: MyRoom[] | null = null;
  myRoomsUnavailable = false;
  /** The room on screen: its unread count stays 0 while it is being read. */
  currentRoom: string | null = null;
  /**
   * Whether the browser has a network, from its `offline`/`online` events: they say so at once,
   * where the connection's heartbeat takes seconds to notice a dead link. Not `navigator.onLine`
   * at start: with only a loopback interface it is false while the server answers; a connection
   * that comes up proves the network is there whatever the browser says.
   */
  online = true;
  /**
   * Logged out and not joined anything since: a room's page asks before joining as a guest
   * (cleared when the person joins, or logs in again).
   */
  mustChooseToJoin = false;

  /** Set on an App for another server's rooms (see `remote`). */
  readonly remoteOf: RemoteOrigin | null;
  /** That server's base URL, as the home server knows it. */
  private remoteUrl: string | null = null;
  private readonly remotes = new Map<string, App>();

  constructor(remoteOf: RemoteOrigin | null = null) {
    super();
    this.remoteOf = remoteOf;
    window.addEventListener('offline', () => this.setOnline(false));
    window.addEventListener('online', () => this.setOnline(true));
  }

  private setOnline(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    this.emit('network', online);
    if (!online) {
      // What is on its way now waits for the network; the SDK re-sends it with its nonce.
      for (const store of this.rooms.values())
        for (const p of store.pending.values())
          if (p.state === 'sending') store.updatePending(p.nonce, { state: 'waiting', error: null });
    } else if (this.conn === 'reconnecting' || this.conn === 'failed') {
      // Back: reconnect now rather than at the end of the current back-off delay.
      this.retry();
    }
  }

  private client: ChatClient | null = null;
  private connecting: Promise<ChatClient> | null = null;
  private myRoomsTimer: number | null = null;
  /** Unread counts of joined rooms the server does not list (unnamed, temporary rooms). */
  private readonly localUnread = new Map<string, number>();
  /** Clients whose first connect completed. */
  private readonly ready = new WeakSet<ChatClient>();

  get userId(): string | null {
    return this.me?.userId ?? this.client?.userId ?? null;
  }

  /** The domain of the user's own server (`a.example` for `ann@a.example`); '' before connecting. */
  get homeDomain(): string {
    if (this.remoteOf) return this.remoteOf.home.homeDomain;
    const id = this.userId ?? '';
    return id.includes('@') ? id.slice(id.lastIndexOf('@') + 1) : '';
  }

  /** The server this App's connection goes to: null for the home server. */
  get server(): string | null {
    return this.remoteOf?.server ?? null;
  }

  /**
   * The App for the rooms of `server`, as this user (created on first use). Its notices show
   * with this App's.
   */
  remote(server: string): App {
    const key = server.toLowerCase();
    let app = this.remotes.get(key);
    if (!app) {
      app = new App({ server: key, home: this });
      app.on('toast', (t) => this.toast(t.text, t.kind, t.key));
      this.remotes.set(key, app);
    }
    app.name = this.me?.name ?? (this.name || this.account?.name || '');
    return app;
  }

  /** The account logged in in this browser (localStorage), or null for a guest. */
  get account(): SavedAccount | null {
    return savedAccount();
  }

  /** Remember a display name; a different name than the connected one starts a new guest identity. */
  setName(name: string): void {
    const trimmed = name.trim();
    if (trimmed === this.name && this.client) return;
    // An account keeps its own name: the typed one is only remembered for guest use.
    const changed = this.me !== null && this.me.name !== trimmed && this.me.userId.startsWith('~');
    this.name = trimmed;
    saveName(trimmed);
    if (changed) this.disconnect(true);
  }

  /**
   * The client, connecting first if needed (needs a name). While the SDK reconnects the client is
   * handed out as is: it queues requests and re-sends chat idempotently once back.
   */
  connected(): Promise<ChatClient> {
    if (this.client && (this.conn === 'connected' || this.conn === 'reconnecting')) {
      return Promise.resolve(this.client);
    }
    if (this.connecting) return this.connecting;
    if (!this.name && !savedAccount()) return Promise.reject(new Error('Enter a display name first.'));
    this.connecting = this.startClient().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Try again after a failed connect or a closed session. */
  retry(): void {
    this.disconnect(false);
    void this.connected().catch(() => undefined);
  }

  /**
   * How to reach another server as this user: its session token there if this tab has one, else
   * a fresh assertion from the home server (which also says where that server is).
   */
  private async remoteLogin(fresh: boolean): Promise<{ token: string; url: string }> {
    const { server, home } = this.remoteOf as RemoteOrigin;
    const homeClient = await home.connected();
    this.name = home.me?.name ?? this.name;
    const saved = fresh ? null : savedRemote(server);
    if (saved) {
      this.remoteUrl = saved.url;
      return saved;
    }
    const { assertion, url } = await homeClient.request('federation.assertion', { server });
    this.remoteUrl = url;
    return { token: assertion, url };
  }

  /** On another server, a welcome as someone else (a guest: the token was refused) is not us. */
  private isStranger(welcome: Welcome): boolean {
    return this.remoteOf !== null && welcome.userId !== this.remoteOf.home.userId;
  }

  private async startClient(fresh = false): Promise<ChatClient> {
    this.client?.close();
    // This tab's session token; a new tab of a logged-in browser starts from the account's login token.
    const account = savedAccount();
    const login = this.remoteOf
      ? await this.remoteLogin(fresh)
      : { token: savedToken() ?? account?.token ?? null };
    const client = createClient({ name: this.name || account?.name || 'Guest', ...login });
    this.client = client;
    this.wire(client);
    this.setConn('connecting');
    try {
      const welcome = await client.connect();
      if (this.client !== client) throw new Error('Connection replaced.');
      if (this.isStranger(welcome)) {
        // The other server's session is gone (or the assertion was refused): one fresh assertion.
        this.keepToken(null);
        client.close();
        this.client = null;
        if (fresh) throw new Error(`${this.remoteOf?.server ?? 'That server'} did not accept who you are.`);
        return await this.startClient(true);
      }
      this.ready.add(client);
      this.onWelcome(welcome);
      this.setConn('connected');
      this.scheduleMyRooms(0);
      // Presence, contacts and DMs are the home server's; an App for another server has none.
      if (!this.remoteOf) void this.presence.connected(client, welcome.resumed);
      return client;
    } catch (err) {
      if (this.client === client) {
        client.close();
        this.client = null;
        this.setConn('failed');
      }
      throw err;
    }
  }

  /**
   * Start over as another user after a login or logout: `sessionToken` names them (null: the
   * saved account's login token, or a new guest). Views re-join their rooms on `identity`, except
   * after a logout (`loggedOut`): then nothing connects or joins by itself, since a guest nobody
   * chose to be would show up as one more member; the page offers to join instead.
   */
  switchIdentity(sessionToken: string | null, opts: { loggedOut?: boolean } = {}): void {
    this.disconnect(true);
    this.keepToken(sessionToken);
    this.myRoomsUnavailable = false;
    this.mustChooseToJoin = opts.loggedOut === true;
    this.emit('identity', undefined);
    if (this.mustChooseToJoin) return;
    if (this.name || savedAccount()) void this.connected().catch(() => undefined);
  }

  /** A new token for the current session (after a password change), used from the next reconnect on. */
  replaceToken(token: string): void {
    if (this.client) this.client.token = token;
    this.keepToken(token);
  }

  private disconnect(forgetIdentity: boolean): void {
    const client = this.client;
    this.client = null;
    this.connecting = null;
    if (client) client.close();
    if (forgetIdentity) {
      this.keepToken(null);
      this.me = null;
      this.rooms.clear();
      this.myRooms = null;
      this.presence.reset();
      this.emit('me', null);
      this.emit('myRooms', undefined);
    }
    this.setConn('idle');
  }

  private wire(client: ChatClient): void {
    const mine = (): boolean => this.client === client;
    // Every room-log event, de-duplicated and gap-filled by the SDK, in order.
    client.on('event', (event) => {
      if (mine()) this.onRoomEvent(event);
    });
    client.on('typing', (event) => {
      if (mine()) this.rooms.get(event.room)?.applyTyping(event, this.userId);
    });
    client.on('state', (state) => {
      if (!mine()) return;
      // The first connect is reported by startClient once the welcome is handled; later
      // connection attempts are all "reconnecting" to the user.
      if (!this.ready.has(client)) return;
      this.setConn(state === 'connecting' ? 'reconnecting' : state);
      if (state === 'connected') this.scheduleMyRooms(0);
    });
    client.on('welcome', (welcome) => {
      if (!mine()) return;
      if (this.isStranger(welcome)) {
        // A reconnect to another server that no longer knows this session: start over there
        // with a fresh assertion (startClient checks the first connect itself).
        if (this.ready.has(client)) {
          this.keepToken(null);
          this.retry();
        }
        return;
      }
      this.onWelcome(welcome);
      // A reconnect (the first connect is handled in startClient): subscribe and report again.
      if (this.ready.has(client) && !this.remoteOf) void this.presence.connected(client, welcome.resumed);
    });
    client.on('presence', (event) => {
      if (mine()) this.presence.applyPresence(event.users);
    });
    client.on('contact', (event) => {
      if (mine()) this.presence.applyContactEvent(event);
    });
    client.on('dm', (event) => {
      if (mine()) this.presence.applyDm(event);
    });
    client.on('dm.read', (event) => {
      if (mine()) this.presence.applyDmRead(event.peer);
    });
    // Calls: every room member tracks who is in the call; signals go to the call controller.
    for (const type of ['live.joined', 'live.left', 'live.updated'] as const) {
      client.on(type, (event) => {
        if (mine()) this.rooms.get(event.room)?.live.apply(event);
      });
    }
    // Moderation: mutes and settings for everyone, the lobby and reports for moderators.
    for (const type of ['mod.muted', 'mod.settings', 'lobby.knocked', 'lobby.closed'] as const) {
      client.on(type, (event) => {
        if (mine()) this.rooms.get(event.room)?.applyModeration(event);
      });
    }
    client.on('lobby.outcome', (event) => {
      if (mine()) this.emit('lobbyOutcome', event);
    });
    client.on('mod.removed', (event) => {
      if (!mine()) return;
      const store = this.rooms.get(event.room);
      // The room's page says so itself (the removed or banned card); elsewhere a toast does.
      if (!store || event.action === 'ban') {
        const what = event.action === 'ban' ? 'banned you from' : 'removed you from';
        this.toast(`${event.by.name} ${what} the room.${event.reason ? ` ${event.reason}` : ''}`, 'info');
      }
      // A ban shows the banned card (the join is refused); a kick shows that, with "Join again".
      if (store && event.action === 'ban') void store.join();
      else store?.removedBy(event.by.name, event.reason || null);
      this.scheduleMyRooms(0);
    });
    client.on('chat.reported', (event) => {
      if (!mine()) return;
      const reason = event.reason ? `: ${event.reason}` : '';
      this.toast(`${event.by.name} reported a message${reason}`, 'info', `report-${event.room}-${event.seq}`);
    });
    // A third-party app's live notification: a toast naming the app.
    client.on('app.notification', (event) => {
      if (mine()) this.toast(`${event.app.name}: ${event.text}`, 'info', `app:${event.app.id}:${event.at}`);
    });
    client.on('live.signal', (event) => {
      if (mine()) this.emit('liveSignal', event);
    });
    client.on('room.deleted', (event) => {
      if (!mine()) return;
      this.rooms.delete(event.room);
      this.localUnread.delete(event.room);
      this.scheduleMyRooms(0);
      this.emit('roomDeleted', { room: event.room, by: event.by.name });
    });
    client.on('live.sfu.offer', (event) => {
      if (mine()) this.emit('liveSfuOffer', event);
    });
    client.on('live.mode', (event) => {
      if (mine()) this.emit('liveMode', event);
    });
    client.on('live.settings', (event) => {
      if (mine()) this.rooms.get(event.room)?.live.setSettings(event.settings);
    });
    client.on('live.stream', (event) => {
      if (mine()) this.rooms.get(event.room)?.live.setStream(event.stream);
    });
    client.on('live.record', (event) => {
      if (mine()) this.rooms.get(event.room)?.live.setRecording(event.recording);
    });
    client.on('live.recording.ready', (event) => {
      if (!mine()) return;
      this.emit('recordings', { room: event.room });
      const who = event.recording.publisher ? ` of ${event.recording.publisher.name}` : '';
      this.toast(
        `A recording${who} is ready: Recordings, above the chat.`,
        'info',
        `rec-${event.recording.id}`,
      );
    });
    client.on('live.recording.deleted', (event) => {
      if (mine()) this.emit('recordings', { room: event.room });
    });
    client.on('resync', ({ room }) => {
      if (mine()) void this.rooms.get(room)?.join();
    });
    client.on('error', (err) => {
      if (mine() && this.conn === 'connected') console.warn('presence:', err);
    });
  }

  private onWelcome(welcome: Welcome): void {
    this.me = welcome;
    const token = this.client?.token ?? welcome.token;
    if (token) this.keepToken(token);
    if (!this.remoteOf) setHomeDomain(this.homeDomain);
    this.emit('me', welcome);
  }

  /** Remember this tab's session token (per server for an App of another server). */
  private keepToken(token: string | null): void {
    if (!this.remoteOf) {
      saveToken(token);
      return;
    }
    const url = this.remoteUrl;
    // An assertion is single-use: only the other server's own session token is worth keeping.
    const keep = token !== null && url !== null && !token.startsWith('fed1.');
    saveRemote(this.remoteOf.server, keep ? { token, url } : null);
  }

  private setConn(state: AppConnState): void {
    if (this.conn === state) return;
    this.conn = state;
    this.emit('conn', state);
    if (state === 'connected') {
      this.setOnline(true);
      void this.flushOutbox();
    }
  }

  private onRoomEvent(event: RoomEvent): void {
    const store = this.rooms.get(event.room);
    store?.applyLive(event);
    if (event.type === 'room.updated') {
      this.emit('myRooms', undefined);
      this.scheduleMyRooms(500);
    } else if (event.type === 'message' && event.room !== this.currentRoom && event.from.id !== this.userId) {
      const entry = this.myRooms?.find((r) => r.id === event.room);
      if (entry) entry.unread += 1;
      else this.localUnread.set(event.room, (this.localUnread.get(event.room) ?? 0) + 1);
      this.emit('myRooms', undefined);
    }
    this.emit('roomEvent', event);
  }

  /** "My rooms": persistent rooms from the server, then the other rooms joined in this tab. */
  roomList(): RoomListEntry[] {
    const list: RoomListEntry[] = (this.myRooms ?? []).map((r) => ({
      id: r.id,
      name: r.name,
      persistent: r.persistent,
      unread: r.unread,
    }));
    const listed = new Set(list.map((r) => r.id));
    for (const store of this.rooms.values()) {
      if (store.status !== 'joined' || !store.info || listed.has(store.id)) continue;
      list.push({
        id: store.id,
        name: store.info.name,
        persistent: store.info.persistent,
        unread: this.localUnread.get(store.id) ?? 0,
      });
    }
    return list;
  }

  /** The store of a room, created on first use (not joined yet). */
  room(id: string): RoomStore {
    let store = this.rooms.get(id);
    if (!store) {
      store = new RoomStore(id, () => this.connected());
      store.on('status', () => this.emit('myRooms', undefined));
      store.on('info', () => this.emit('myRooms', undefined));
      this.rooms.set(id, store);
    }
    return store;
  }

  async createRoom(): Promise<string> {
    this.mustChooseToJoin = false;
    const client = await this.connected();
    const result = await client.request('room.create', {});
    this.room(result.room.id).applyJoin(result);
    this.emit('myRooms', undefined);
    return result.room.id;
  }

  async nameRoom(id: string, name: string, visibility: Visibility): Promise<void> {
    const client = await this.connected();
    const result = await client.request('room.update', { room: id, name, visibility });
    this.rooms.get(id)?.applyInfo(result.room);
    this.scheduleMyRooms(0);
  }

  /**
   * Send a chat message. It shows as "sending" until its own event comes back; the nonce makes a
   * re-send after a reconnect harmless (the SDK does that by itself).
   */
  /**
   * Post a message: it shows at once as pending and stays in the timeline until the server has it.
   * Without a connection (or when asked to slow down) it waits and goes again by itself with the
   * same nonce, so the server stores it once; a refusal leaves it there as failed, to retry.
   */
  send(room: string, text: string, extras?: PendingMessage['extras']): void {
    const store = this.room(room);
    const nonce = randomNonce();
    store.addPending({
      ...(extras ? { extras } : {}),
      nonce,
      text,
      ts: Date.now(),
      state: this.online || this.conn === 'connected' ? 'sending' : 'waiting',
      error: null,
    });
    this.outbox.push({ store, nonce });
    void this.flushOutbox();
  }

  /** Send a failed message again (its Retry button). */
  resend(room: string, nonce: string): void {
    const store = this.room(room);
    if (!store.pending.has(nonce)) return;
    store.updatePending(nonce, { state: 'sending', error: null });
    this.outbox.push({ store, nonce });
    void this.flushOutbox();
  }

  /** Messages go one at a time, in the order they were written. */
  private readonly outbox: { store: RoomStore; nonce: string }[] = [];
  private flushing = false;
  private retryTimer: number | null = null;

  private async flushOutbox(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outbox.length > 0) {
        const next = this.outbox[0];
        if (!next) break;
        const outcome = await this.deliver(next.store, next.nonce);
        if (outcome === 'wait') return; // retried on reconnect or after the server's delay
        this.outbox.shift();
      }
    } finally {
      this.flushing = false;
    }
  }

  private async deliver(store: RoomStore, nonce: string): Promise<'done' | 'wait'> {
    const message = store.pending.get(nonce);
    if (!message) return 'done';
    store.updatePending(nonce, {
      state: this.online || this.conn === 'connected' ? 'sending' : 'waiting',
      error: null,
    });
    try {
      const client = await this.connected();
      await client.sendChat(store.id, message.text, { nonce, ...message.extras });
    } catch (err) {
      const code = errorCode(err);
      if (code !== undefined && RETRYABLE.has(code)) {
        store.updatePending(nonce, { state: 'waiting', error: null });
        // Disconnected: the next `connected` flushes. Otherwise (slow down, timeout): try again soon.
        const delay = code === 'RATE_LIMITED' ? retryAfter(err) : 2_000;
        if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
        this.retryTimer = window.setTimeout(() => {
          this.retryTimer = null;
          void this.flushOutbox();
        }, delay);
        return 'wait';
      }
      store.updatePending(nonce, { state: 'failed', error: errorText(err) });
      this.toast(`Could not send: ${errorText(err)}`, 'error', 'send-failed');
      return 'done';
    }
    // Normally the event arrived first; if not, it is on its way (or was a duplicate of one we have).
    if (store.hasNonce(nonce)) store.settlePending(nonce);
    else window.setTimeout(() => store.settlePending(nonce), 10_000);
    return 'done';
  }

  async edit(room: string, seq: number, text: string): Promise<void> {
    const client = await this.connected();
    await client.request('chat.edit', { room, seq, text });
  }

  /** A moderation request (mod.*, lobby.*, chat.report, room.role) on the current connection. */
  async moderate<T extends ModerationRequestType | 'room.role'>(
    type: T,
    params: ParamsOf<T>,
  ): Promise<ResultOf<T>> {
    const client = await this.connected();
    return client.request(type, params);
  }

  /** A recordings request (list: members; delete: owners and admins) on the current connection. */
  async recordings<T extends 'live.recordings' | 'live.recording.delete'>(
    type: T,
    params: ParamsOf<T>,
  ): Promise<ResultOf<T>> {
    const client = await this.connected();
    return client.request(type, params);
  }

  /** A stream-key request (streamkey.*: owners and admins) on the current connection. */
  async streamKeys<T extends 'streamkey.create' | 'streamkey.list' | 'streamkey.rotate' | 'streamkey.revoke'>(
    type: T,
    params: ParamsOf<T>,
  ): Promise<ResultOf<T>> {
    const client = await this.connected();
    return client.request(type, params);
  }

  async remove(room: string, seq: number): Promise<void> {
    const client = await this.connected();
    await client.request('chat.delete', { room, seq });
  }

  typing(room: string, typing: boolean): void {
    if (!this.client || this.conn !== 'connected') return;
    this.client.request('chat.typing', { room, typing }).catch(() => undefined);
  }

  /** Report `seq` as read in `room` (only forwards). */
  markRead(room: string, seq: number): void {
    const store = this.rooms.get(room);
    if (!store || seq <= store.lastReadSent || !this.client || this.conn !== 'connected') return;
    store.lastReadSent = seq;
    const entry = this.myRooms?.find((r) => r.id === room);
    if ((entry && entry.unread !== 0) || this.localUnread.has(room)) {
      if (entry) entry.unread = 0;
      this.localUnread.delete(room);
      this.emit('myRooms', undefined);
    }
    this.client.request('room.read', { room, seq }).catch((err: unknown) => {
      // Servers without persistence answer NOT_IMPLEMENTED: stop asking for this room.
      if (errorCode(err) !== 'NOT_IMPLEMENTED') store.lastReadSent = Math.min(store.lastReadSent, seq - 1);
      else store.lastReadSent = Number.MAX_SAFE_INTEGER;
    });
  }

  /** Refresh "My rooms" soon (coalesced). */
  scheduleMyRooms(delayMs: number): void {
    if (this.myRoomsUnavailable || !this.name) return;
    if (this.myRoomsTimer !== null) window.clearTimeout(this.myRoomsTimer);
    this.myRoomsTimer = window.setTimeout(() => {
      this.myRoomsTimer = null;
      void this.loadMyRooms();
    }, delayMs);
  }

  private async loadMyRooms(): Promise<void> {
    try {
      const client = await this.connected();
      const { rooms } = await client.request('rooms.mine', {});
      this.myRooms = rooms.map((r) => (r.id === this.currentRoom ? { ...r, unread: 0 } : r));
    } catch (err) {
      if (errorCode(err) === 'NOT_IMPLEMENTED') this.myRoomsUnavailable = true;
      else if (this.conn === 'connected') console.warn('rooms.mine failed:', errorText(err));
    }
    this.emit('myRooms', undefined);
  }

  async directory(query: string): Promise<ResultOf<'rooms.directory'>['rooms']> {
    const client = await this.connected();
    const { rooms } = await client.request('rooms.directory', query ? { query } : {});
    return rooms;
  }

  /**
   * A short notice. Notices with the same `key` (by default, the same text) replace each other
   * instead of stacking: a burst of failures is one notice that counts them.
   */
  toast(text: string, kind: 'error' | 'info' = 'error', key: string = text): void {
    this.emit('toast', { text, kind, key });
  }
}

/**
 * Failures after which a message is worth sending again as is: the connection (client-side codes)
 * or the server's momentary state, not the message itself.
 */
const RETRYABLE: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'DISCONNECTED',
  'CLOSED',
  'NOT_CONNECTED',
  'CONNECT_FAILED',
  'TOO_MANY_PENDING',
  'RATE_LIMITED',
  'ROOM_UNAVAILABLE',
  'STORE_UNAVAILABLE',
]);

function retryAfter(err: unknown): number {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' && ms > 0 ? Math.min(ms, 30_000) : 1_000;
}

/** 128 random bits as hex; `crypto.getRandomValues` works on plain http too (randomUUID does not). */
function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
