import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  durationText,
  expiryText,
  INVITE_REASON_TEXT,
  inviteUrl,
  inviteUsesText,
  isInviteReason,
  passwordProblem,
  reasonFromMessage,
  retryText,
  usernameProblem,
} from '../../src/invite-format.ts';
import { parseRoute, routePath } from '../../src/router.ts';

test('invite join pages are a route of their own', () => {
  const code = 'mXS1Ara2lB3GcD1TBBILrQ';
  assert.deepEqual(parseRoute({ pathname: `/i/${code}`, search: '' }), { view: 'invite', code });
  assert.deepEqual(parseRoute({ pathname: `/i/${code}/`, search: '' }), { view: 'invite', code });
  assert.deepEqual(parseRoute({ pathname: '/i/', search: '' }), { view: 'not-found' });
  assert.deepEqual(parseRoute({ pathname: '/i/a b', search: '' }), { view: 'not-found' });
  assert.equal(routePath({ view: 'invite', code }), `/i/${code}`);
  assert.equal(inviteUrl('https://chat.example.org', code), `https://chat.example.org/i/${code}`);
});

test('every refusal reason reads as a sentence; the server messages map back to reasons', () => {
  assert.equal(INVITE_REASON_TEXT.not_found, 'This invite does not exist or its room is gone.');
  assert.equal(INVITE_REASON_TEXT.used_up, 'This invite has already been used.');
  assert.match(INVITE_REASON_TEXT.expired, /expired/);
  assert.match(INVITE_REASON_TEXT.revoked, /revoked/);
  assert.equal(reasonFromMessage('This invite has been used up.'), 'used_up');
  assert.equal(reasonFromMessage('This invite was revoked.'), 'revoked');
  assert.equal(reasonFromMessage('This invite has expired.'), 'expired');
  assert.equal(reasonFromMessage('No such invite.'), 'not_found');
  assert.ok(isInviteReason('used_up'));
  assert.ok(!isInviteReason('gone'));
  assert.ok(!isInviteReason(undefined));
});

test('durations, expiry and uses', () => {
  assert.equal(durationText(1), '1 second');
  assert.equal(durationText(45_000), '45 seconds');
  assert.equal(durationText(60_000), '1 minute');
  assert.equal(durationText(899_950), '15 minutes');
  assert.equal(durationText(3_600_000), '1 hour');
  assert.equal(durationText(86_400_000), '24 hours');
  assert.equal(durationText(7 * 86_400_000), '7 days');
  const now = 1_000_000;
  assert.equal(expiryText(null, now), 'Never expires');
  assert.equal(expiryText(now - 1, now), 'Expired');
  assert.equal(expiryText(now + 3_600_000, now), 'Expires in 1 hour');
  assert.equal(inviteUsesText({ kind: 'single', maxUses: 1, uses: 0 }), 'Single-use');
  assert.equal(inviteUsesText({ kind: 'public', maxUses: null, uses: 0 }), 'Multi-use, not used yet');
  assert.equal(inviteUsesText({ kind: 'public', maxUses: null, uses: 1 }), 'Multi-use, used 1 time');
  assert.equal(inviteUsesText({ kind: 'public', maxUses: 10, uses: 2 }), 'Multi-use, 2 of 10 used');
});

test('rate-limit waits and account input checks', () => {
  assert.equal(retryText(899_000), 'Too many failed attempts. Try again in 15 minutes.');
  assert.equal(retryText(30_000), 'Too many failed attempts. Try again in 30 seconds.');
  assert.match(retryText(undefined), /wait a while/);
  assert.equal(usernameProblem('ada'), null);
  assert.equal(usernameProblem(' Ada.L_1 '), null, 'trimmed and lower-cased like the server does');
  assert.match(usernameProblem('a') ?? '', /at least 2/);
  assert.match(usernameProblem('_ada') ?? '', /starts with/);
  assert.match(usernameProblem('ada lovelace') ?? '', /Use only/);
  assert.match(usernameProblem('a'.repeat(33)) ?? '', /at most 32/);
  assert.equal(passwordProblem('12345678'), null);
  assert.match(passwordProblem('short') ?? '', /at least 8/);
});
