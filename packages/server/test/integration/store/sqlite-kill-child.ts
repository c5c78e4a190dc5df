// Helper process for sqlite-store.test.ts: appends messages forever, printing each seq once
// appendEvent has resolved (= acknowledged), until the test SIGKILLs it.
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { alice, member, msg, room } from './store-fixtures.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: sqlite-kill-child.ts <file>');
const store = await openSqliteStore(file);
await store.migrate();
await store.createRoom(room('k'), [member(alice, 'owner')], []);
for (let seq = 1; ; seq++) {
  await store.appendEvent(msg('k', seq));
  process.stdout.write(`${seq}\n`);
}
