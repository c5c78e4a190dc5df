/**
 * Notifications in the web app: the unread count in the tab title and on the favicon, a desktop
 * notification (only once the person allowed it, from a button: never asked on load) and a short
 * sound, for messages in rooms this tab is in but the person is not looking at. Per room, the
 * level (`all`, `mentions`, `none`) is the one set with room.notify; mentions are counted apart.
 */
import type { NotifyLevel, RoomEvent } from '@presence/protocol';
import type { App } from './app.ts';
import { roomTitle } from './format.ts';

type MessageEvent = Extract<RoomEvent, { type: 'message' }>;

const LEVELS_KEY = 'presence-notify-levels';
const TITLE_PREFIX = /^\(\d+(?: · @\d+)?\) /;

function loadLevels(): Record<string, NotifyLevel> {
  try {
    return JSON.parse(localStorage.getItem(LEVELS_KEY) ?? '{}') as Record<string, NotifyLevel>;
  } catch {
    return {};
  }
}

export class Notifier {
  /** Messages and mentions not seen yet, per room (looking at a room clears its counts). */
  readonly #unread = new Map<string, number>();
  readonly #mentions = new Map<string, number>();
  #levels = loadLevels();
  #audio: AudioContext | null = null;
  #baseIcon: string | null = null;
  #applying = false;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly app: App) {
    app.on('roomEvent', (e) => {
      if (e.type === 'message') this.#onMessage(e);
    });
    app.on('myRooms', () => this.#syncFromServer());
    app.on('roomDeleted', ({ room }) => this.clear(room));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && app.currentRoom) this.clear(app.currentRoom);
    });
    // Sound needs a user gesture before the first play; the context is made on the first one.
    const unlock = (): void => {
      this.#audio ??= typeof AudioContext === 'undefined' ? null : new AudioContext();
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
    window.addEventListener('pointerdown', unlock);
    window.addEventListener('keydown', unlock);
    const title = document.querySelector('title');
    // Views set document.title as they like; the count is put back in front of whatever they set.
    if (title) new MutationObserver(() => this.#render()).observe(title, { childList: true });
  }

  /** Notified when counts or levels change (views re-render). */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  level(room: string): NotifyLevel {
    return this.app.myRooms?.find((r) => r.id === room)?.notify ?? this.#levels[room] ?? 'all';
  }

  async setLevel(room: string, level: NotifyLevel): Promise<void> {
    this.#levels = { ...this.#levels, [room]: level };
    try {
      localStorage.setItem(LEVELS_KEY, JSON.stringify(this.#levels));
    } catch {
      // Kept for this tab only.
    }
    const entry = this.app.myRooms?.find((r) => r.id === room);
    if (entry) entry.notify = level;
    this.#changed();
    const client = await this.app.connected();
    await client.request('room.notify', { room, level });
  }

  unread(room: string): number {
    return this.#unread.get(room) ?? 0;
  }

  mentions(room: string): number {
    return this.#mentions.get(room) ?? 0;
  }

  /** The person is looking at the room: nothing there is unseen. */
  clear(room: string): void {
    if (!this.#unread.has(room) && !this.#mentions.has(room)) return;
    this.#unread.delete(room);
    this.#mentions.delete(room);
    this.#changed();
  }

  get permission(): NotificationPermission | 'unsupported' {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  /** Ask for desktop notifications: only ever from a click. */
  async askPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    await Notification.requestPermission();
    this.#changed();
  }

  #looking(room: string): boolean {
    return this.app.currentRoom === room && document.visibilityState === 'visible';
  }

  #onMessage(e: MessageEvent): void {
    const me = this.app.userId;
    if (e.from.id === me || this.#looking(e.room) || e.deleted === true) return;
    const level = this.level(e.room);
    const mentioned = me !== null && (e.mentions ?? []).includes(me);
    this.#unread.set(e.room, this.unread(e.room) + 1);
    if (mentioned) this.#mentions.set(e.room, this.mentions(e.room) + 1);
    this.#changed();
    if (level === 'none' || (level === 'mentions' && !mentioned)) return;
    this.#beep();
    this.#desktop(e, mentioned);
  }

  /** Counts of named rooms the server knows (after a reload, before any live event). */
  #syncFromServer(): void {
    let changed = false;
    for (const r of this.app.myRooms ?? []) {
      if (this.#looking(r.id)) continue;
      if ((r.unread ?? 0) > this.unread(r.id)) {
        this.#unread.set(r.id, r.unread);
        changed = true;
      }
      if ((r.mentions ?? 0) > this.mentions(r.id)) {
        this.#mentions.set(r.id, r.mentions ?? 0);
        changed = true;
      }
      if (r.unread === 0 && this.#unread.has(r.id)) {
        this.#unread.delete(r.id);
        this.#mentions.delete(r.id);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  /** What the title and favicon count: all unread where the level is all, mentions where it is mentions. */
  totals(): { count: number; mentions: number } {
    let count = 0;
    let mentions = 0;
    const rooms = new Set([...this.#unread.keys(), ...this.#mentions.keys()]);
    for (const room of rooms) {
      const level = this.level(room);
      const m = this.mentions(room);
      mentions += level === 'none' ? 0 : m;
      count += level === 'all' ? this.unread(room) : level === 'mentions' ? m : 0;
    }
    return { count, mentions };
  }

  #changed(): void {
    this.#render();
    for (const fn of this.#listeners) fn();
  }

  #render(): void {
    if (this.#applying) return;
    this.#applying = true;
    try {
      const { count, mentions } = this.totals();
      const base = document.title.replace(TITLE_PREFIX, '');
      const prefix = count > 0 ? `(${count}${mentions > 0 ? ` · @${mentions}` : ''}) ` : '';
      if (document.title !== prefix + base) document.title = prefix + base;
      this.#favicon(count, mentions > 0);
    } finally {
      this.#applying = false;
    }
  }

  #favicon(count: number, mention: boolean): void {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) return;
    this.#baseIcon ??= link.href;
    link.dataset['count'] = String(count);
    if (count === 0) {
      if (link.href !== this.#baseIcon) link.href = this.#baseIcon;
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 32;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#4f46e5';
    ctx.beginPath();
    ctx.arc(14, 18, 13, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = mention ? '#d97706' : '#dc2626';
    ctx.beginPath();
    ctx.arc(22, 10, 10, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#fff';
    ctx.font = 'bold 13px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(count > 9 ? '9+' : String(count), 22, 11);
    link.type = 'image/png';
    link.href = canvas.toDataURL('image/png');
  }

  #beep(): void {
    const ctx = this.#audio;
    if (!ctx || ctx.state !== 'running') return;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
  }

  #desktop(e: MessageEvent, mentioned: boolean): void {
    if (this.permission !== 'granted') return;
    const room = this.app.rooms.get(e.room)?.info?.name ?? null;
    const n = new Notification(
      mentioned ? `${e.from.name} mentioned you` : `${e.from.name} · ${roomTitle(room)}`,
      {
        body: e.text.slice(0, 200),
        tag: `presence-${e.room}`,
      },
    );
    n.onclick = () => {
      window.focus();
      if (this.app.currentRoom !== e.room) location.assign(`/r/${encodeURIComponent(e.room)}`);
      n.close();
    };
  }
}

const notifiers = new WeakMap<App, Notifier>();

/** The app's one notifier, started on first use (main.ts starts it at load). */
export function notifierOf(app: App): Notifier {
  let n = notifiers.get(app);
  if (!n) {
    n = new Notifier(app);
    notifiers.set(app, n);
  }
  return n;
}
