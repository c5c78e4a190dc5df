import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import {
  api,
  consent,
  registerAccount,
  registerApp,
  until,
  webhookReceiver,
  type Json,
} from '../../../../test/app-kit.js';

// Without appsAllowPrivateWebhooks, webhooks to loopback, private and link-local addresses are
// refused when the connection is made (the resolved address), and the developer sees why.
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ appsWebhookIntervalMs: 100, appsWebhookTimeoutMs: 1_000 });
});
after(() => srv.close());

for (const host of ['127.0.0.1', '10.1.2.3', '169.254.169.254', 'localhost', '[::1]']) {
  test(`a webhook to ${host} is refused without the option`, async () => {
    const receiver = await webhookReceiver();
    const port = new URL(receiver.url).port;
    const dev = await registerAccount(srv.httpUrl, 'Dev');
    const ann = await registerAccount(srv.httpUrl, 'Ann');
    const app = await registerApp(srv.httpUrl, dev.token, {
      name: 'Nosy',
      webhookUrl: `http://${host}:${port}/hook`,
    });
    await consent(srv.httpUrl, app, ann.token);
    let list: Json[] = [];
    await until('an attempt is logged', async () => {
      const r = await api(srv.httpUrl, 'GET', `/api/apps/${app.id}/deliveries`, dev.token);
      list = r.body['deliveries'] as Json[];
      return list.length > 0;
    });
    assert.equal(list[0]?.['status'], 0);
    assert.match(String(list[0]?.['error']), /not allowed|private|meta/i);
    assert.equal(receiver.received.length, 0, 'nothing reached the receiver');
    await receiver.close();
  });
}
