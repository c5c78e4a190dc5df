// Prosody as a target: anonymous XMPP clients in one MUC room, groupchat messages fanned out.
import { MUC_DOMAIN, XMPP_DOMAIN, startProsody } from './prosody-server.js';
import { parallel, type Target } from './target.js';
import { XmppClient } from './xmpp-client.js';

/** Connect `count` anonymous clients and join them all to `room` (nicks m0, m1, …). */
export async function mucMembers(port: number, room: string, count: number): Promise<XmppClient[]> {
  return parallel(count, 50, async (i) => {
    const c = await XmppClient.connect(port, XMPP_DOMAIN);
    await c.joinRoom(room, `m${i}`);
    return c;
  });
}

export const prosody: Target = {
  name: 'prosody',
  start: () => startProsody(),
  async room(server, members, deliver) {
    const room = `bench@${MUC_DOMAIN}`;
    const [publisher, ...receivers] = await mucMembers(server.port, room, members);
    if (!publisher) throw new Error('a room needs members');
    receivers.forEach((c, i) => {
      c.onData = (chunk, messages) => {
        for (let k = 0; k < messages; k++) deliver(i, chunk);
      };
    });
    return {
      receivers: receivers.length,
      publish: (text) => publisher.groupchat(room, text),
      close: () => [publisher, ...receivers].forEach((c) => c.close()),
    };
  },
};
