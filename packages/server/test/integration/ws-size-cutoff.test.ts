// The WebSocket size cut-off is where docs/protocol.md says (issue 11, item 19): a message over
// maxFrameBytes gets FRAME_TOO_LARGE and a close; over exactly four times that, `ws` itself closes
// with 1009 before the server sees it, so no error message comes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../../../test/harness.js';

const MAX = 1024;
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ maxFrameBytes: MAX });
});
after(() => srv.close());

/** Send one text message of `bytes` bytes; what came back before the close, and the close code. */
async function sendSized(bytes: number): Promise<{ messages: string[]; code: number }> {
  const ws = new WebSocket(srv.wsUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const messages: string[] = [];
  ws.on('message', (d) => messages.push(d.toString()));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('x'.repeat(bytes));
  return { messages, code: await closed };
}

test('just over maxFrameBytes, and at 4×: FRAME_TOO_LARGE, then close 1009', async () => {
  for (const bytes of [MAX + 1, MAX * 4]) {
    const { messages, code } = await sendSized(bytes);
    assert.equal(code, 1009, `${bytes} bytes`);
    assert.equal(messages.length, 1, `${bytes} bytes`);
    assert.equal((JSON.parse(messages[0] ?? '{}') as { code?: string }).code, 'FRAME_TOO_LARGE');
  }
});

test('over 4× maxFrameBytes: closed by the WebSocket layer with 1009, no error message', async () => {
  const { messages, code } = await sendSized(MAX * 4 + 1);
  assert.equal(code, 1009);
  assert.deepEqual(messages, []);
});
