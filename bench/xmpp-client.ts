// A minimal raw-socket XMPP client, just enough for the Prosody baseline: stream open, SASL
// ANONYMOUS and resource binding (RFC 6120), MUC join, groupchat and presence (XEP-0045). Written
// against the RFCs rather than taken from a library so hundreds of connections stay cheap: after
// the handshake it only counts stanzas by their opening tag and never builds a DOM.
import { connect, type Socket } from 'node:net';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_MUC = 'http://jabber.org/protocol/muc';

/** Escape text for XML character data and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class XmppClient {
  jid = '';
  /** Counters of stanzas received since the handshake, by element name. */
  messages = 0;
  presences = 0;
  /** Called with each received chunk once the handshake is done, with the messages it completed. */
  onData?: (chunk: string, messages: number) => void;
  private buffer = '';
  private tail = '';
  private handshakeDone = false;
  private waiter?: { pattern: RegExp; resolve: (m: RegExpExecArray) => void };

  private constructor(
    private readonly socket: Socket,
    private readonly domain: string,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
  }

  /** Connect, authenticate anonymously and bind a resource. */
  static async connect(port: number, domain: string): Promise<XmppClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new XmppClient(socket, domain);
    await client.openStream(/<mechanisms[^>]*>[\s\S]*?<\/mechanisms>/);
    client.send(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'/>`);
    const sasl = await client.expect(/<success[^>]*\/?>|<failure[\s\S]*?<\/failure>/, 'SASL ANONYMOUS');
    if (sasl[0].startsWith('<failure')) throw new Error(`XMPP: SASL ANONYMOUS refused: ${sasl[0]}`);
    await client.openStream(/<bind /);
    client.send(`<iq type='set' id='bind'><bind xmlns='${NS_BIND}'/></iq>`);
    const bound = await client.expect(/<jid>([^<]+)<\/jid>/, 'resource binding');
    client.jid = bound[1] ?? '';
    return client;
  }

  /** Join a MUC room as `nick` without history; resolves on the self-presence (status 110). */
  async joinRoom(room: string, nick: string): Promise<void> {
    this.send(
      `<presence to='${room}/${xmlEscape(nick)}'><x xmlns='${NS_MUC}'><history maxstanzas='0'/></x></presence>`,
    );
    await this.expect(/<status code=['"]110['"]\s*\/>/, 'MUC join');
    this.buffer = '';
    this.handshakeDone = true;
  }

  groupchat(room: string, text: string): void {
    this.send(`<message to='${room}' type='groupchat'><body>${xmlEscape(text)}</body></message>`);
  }

  /** Change this occupant's availability in the room; every occupant gets the new presence. */
  show(room: string, nick: string, show: string): void {
    this.send(`<presence to='${room}/${xmlEscape(nick)}'><show>${show}</show></presence>`);
  }

  send(xml: string): void {
    this.socket.write(xml);
  }

  close(): void {
    this.socket.end('</stream:stream>');
    this.socket.destroy();
  }

  private async openStream(features: RegExp): Promise<void> {
    this.buffer = '';
    this.send(
      `<?xml version='1.0'?><stream:stream to='${this.domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
    await this.expect(features, 'stream features');
  }

  private expect(pattern: RegExp, what: string): Promise<RegExpExecArray> {
    const found = pattern.exec(this.buffer);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`XMPP: no ${what} within 30 s; got: ${this.buffer.slice(0, 500)}`)),
        30_000,
      );
      this.waiter = {
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
    });
  }

  private receive(chunk: string): void {
    if (!this.handshakeDone) {
      this.buffer += chunk;
      const found = this.waiter?.pattern.exec(this.buffer);
      if (found && this.waiter) {
        const { resolve } = this.waiter;
        this.waiter = undefined;
        resolve(found);
      }
      return;
    }
    // Count opening tags; a tag split across two chunks is caught by keeping the previous tail.
    const messages = count(this.tail.slice(-7) + chunk, '<message');
    this.messages += messages;
    this.presences += count(this.tail + chunk, '<presence');
    this.tail = (this.tail + chunk).slice(-8);
    this.onData?.(chunk, messages);
  }
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}
