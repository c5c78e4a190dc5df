import { APP_NOTIFICATION_MAX, timestamp } from '@presence/protocol';
import { z } from 'zod';
import { operation, type ApiOperation } from './api-operation.js';
import { apiError } from './service-api-schemas.js';

/**
 * Third-party apps over REST (http/app-routes.ts, docs/apps.md): registration (developers with a
 * session token, or a trusted backend with a service key), the OAuth consent flow, the user's
 * grants, and what an app does with its client secret (stream, live notifications).
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2_000);
const redirectUri = httpUrl.refine((u) => !u.includes('#'), 'no fragment (#) in a redirect URI');

export const appSettingsBody = z.object({
  name: z.string().trim().min(1).max(80),
  redirectUris: z.array(redirectUri).min(1).max(10).describe('Exact URIs the consent flow may redirect to.'),
  webhookUrl: httpUrl
    .nullable()
    .optional()
    .describe('Where batched presence updates are POSTed; null: stream only.'),
});
export const appPatchBody = appSettingsBody.partial();

export const appView = z.object({
  id: z.string(),
  name: z.string(),
  redirectUris: z.array(z.string()),
  webhookUrl: z.string().nullable(),
  webhookDisabledAt: timestamp.nullable(),
  createdAt: timestamp,
});
const secrets = {
  clientSecret: z
    .string()
    .describe('`pas_…`: authenticates the app (token exchange, stream, notify). Shown once.'),
  signingSecret: z
    .string()
    .describe('`whsec_…`: verifies webhook signatures (Standard Webhooks). Shown once.'),
};
export const registeredApp = z.object({ app: appView, ...secrets });
export const rotatedSecrets = z.object(secrets);
export const delivery = z.object({
  webhookId: z.string(),
  at: timestamp,
  status: z.number().int().describe('HTTP status; 0: no answer (refused, timed out, blocked address).'),
  error: z.string().nullable(),
  attempt: z.number().int(),
  updates: z.number().int(),
});
export const deliveriesResponse = z.object({
  webhook: z.object({
    url: z.string().nullable(),
    disabledAt: timestamp.nullable(),
    failing: z.number().int().describe('Failed attempts in a row for the batch being retried.'),
    nextAttemptAt: timestamp.nullable(),
  }),
  deliveries: z.array(delivery),
});

export const authorizeQuery = z.object({
  response_type: z.string().max(20),
  client_id: z.string().max(100),
  redirect_uri: z.string().max(2_000),
  state: z.string().max(500),
  code_challenge: z.string().max(200),
  code_challenge_method: z.string().max(20),
});
export const authorizeInfo = z.object({
  app: z.object({ id: z.string(), name: z.string() }),
  /** Whether this user may grant (guests only when the server allows it). */
  allowed: z.boolean(),
});
export const decideBody = authorizeQuery.extend({
  allow: z.boolean(),
  shareStatus: z.boolean().default(false).describe('Also tell the app the status text.'),
});
export const decideResponse = z.object({ redirect: z.string().describe('Send the browser here.') });

export const tokenBody = z.object({
  grant_type: z.string().max(50),
  code: z.string().max(200),
  redirect_uri: z.string().max(2_000),
  client_id: z.string().max(100),
  client_secret: z.string().max(200).optional().describe('Or HTTP Basic client_id:client_secret.'),
  code_verifier: z.string().max(200),
});
export const tokenResponse = z.object({
  app_user_id: z.string().describe("The user's id for this app: stable, different for every app."),
  scope: z.literal('presence'),
});
const oauthError = z.object({ error: z.string(), error_description: z.string() });

export const grantView = z.object({
  app: z.object({ id: z.string(), name: z.string() }),
  paused: z.boolean(),
  shareStatus: z.boolean(),
  grantedAt: timestamp,
});
export const grantPatchBody = z.object({ paused: z.boolean() });

export const notifyBody = z.object({
  user: z.string().min(1).max(100).describe('The app user id from the token exchange.'),
  text: z.string().trim().min(1).max(APP_NOTIFICATION_MAX),
});
export const streamQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,16}$/)
    .optional()
    .describe('Resume after this cursor; 0: everything kept. Without it the stream starts now.'),
});

const appParams = z.object({ id: z.string().max(100) });
const bad = { description: 'INVALID_MESSAGE.', schema: apiError };
const unauthorized = { description: 'UNAUTHORIZED.', schema: apiError };
const notFound = { description: 'APP_NOT_FOUND.', schema: apiError };
const unavailable = { description: 'STORE_UNAVAILABLE.', schema: apiError };

export const appOperations = {
  listApps: operation({
    id: 'listApps',
    method: 'GET',
    path: '/api/apps',
    tag: 'Apps',
    summary: 'List the apps you registered (a service key: every app)',
    auth: 'sessionToken',
    responses: {
      200: { description: 'Apps.', schema: z.object({ apps: z.array(appView) }) },
      401: unauthorized,
    },
  }),
  registerApp: operation({
    id: 'registerApp',
    method: 'POST',
    path: '/api/apps',
    tag: 'Apps',
    summary: 'Register an app',
    description:
      'Accounts and external-identity users with a session token, or a service key. The secrets are shown only in this answer.',
    auth: 'sessionToken',
    body: appSettingsBody,
    responses: {
      201: { description: 'Registered.', schema: registeredApp },
      400: bad,
      401: unauthorized,
      403: { description: 'FORBIDDEN: guests cannot register apps.', schema: apiError },
      503: unavailable,
    },
  }),
  updateApp: operation({
    id: 'updateApp',
    method: 'PUT',
    path: '/api/apps/:id',
    tag: 'Apps',
    summary: "Change an app's name, redirect URIs or webhook URL (a new webhook URL re-enables it)",
    auth: 'sessionToken',
    params: appParams,
    body: appPatchBody,
    responses: {
      200: { description: 'The app.', schema: z.object({ app: appView }) },
      400: bad,
      401: unauthorized,
      404: notFound,
    },
  }),
  rotateSecret: operation({
    id: 'rotateAppSecret',
    method: 'POST',
    path: '/api/apps/:id/secret',
    tag: 'Apps',
    summary: 'Replace the client and signing secrets (the old ones stop working at once)',
    auth: 'sessionToken',
    params: appParams,
    responses: {
      200: { description: 'New secrets, shown once.', schema: rotatedSecrets },
      401: unauthorized,
      404: notFound,
    },
  }),
  deleteApp: operation({
    id: 'deleteApp',
    method: 'DELETE',
    path: '/api/apps/:id',
    tag: 'Apps',
    summary: 'Delete an app with its grants and pending updates',
    auth: 'sessionToken',
    params: appParams,
    responses: { 204: { description: 'Deleted.' }, 401: unauthorized, 404: notFound },
  }),
  deliveries: operation({
    id: 'appDeliveries',
    method: 'GET',
    path: '/api/apps/:id/deliveries',
    tag: 'Apps',
    summary: "The webhook's state and its latest delivery attempts",
    auth: 'sessionToken',
    params: appParams,
    responses: {
      200: { description: 'Deliveries, newest first.', schema: deliveriesResponse },
      401: unauthorized,
      404: notFound,
    },
  }),
  authorizeInfo: operation({
    id: 'authorizeInfo',
    method: 'GET',
    path: '/api/oauth/authorize',
    tag: 'Apps',
    summary: 'Check an authorization request (the consent page asks before showing it)',
    auth: 'sessionToken',
    query: authorizeQuery,
    responses: {
      200: { description: 'The app asking.', schema: authorizeInfo },
      400: bad,
      401: unauthorized,
      404: notFound,
    },
  }),
  decide: operation({
    id: 'authorizeDecide',
    method: 'POST',
    path: '/api/oauth/authorize',
    tag: 'Apps',
    summary:
      'Grant or deny; the answer says where to send the browser (code and state, or error=access_denied)',
    auth: 'sessionToken',
    body: decideBody,
    responses: {
      200: { description: 'Where to go.', schema: decideResponse },
      400: bad,
      401: unauthorized,
      403: { description: 'FORBIDDEN: guests may not grant on this server.', schema: apiError },
      404: notFound,
    },
  }),
  token: operation({
    id: 'oauthToken',
    method: 'POST',
    path: '/api/oauth/token',
    tag: 'Apps',
    summary: "Exchange a code (once, with the PKCE verifier and the app's secret) for the app user id",
    description: 'Form-encoded or JSON. Errors follow RFC 6749 §5.2: `{error, error_description}`.',
    auth: 'none',
    body: tokenBody,
    responses: {
      200: { description: 'Granted.', schema: tokenResponse },
      400: { description: 'invalid_request, invalid_grant, unsupported_grant_type.', schema: oauthError },
      401: { description: 'invalid_client.', schema: oauthError },
    },
  }),
  listGrants: operation({
    id: 'listGrants',
    method: 'GET',
    path: '/api/me/apps',
    tag: 'Apps',
    summary: 'The apps you granted access to your presence',
    auth: 'sessionToken',
    responses: {
      200: { description: 'Grants.', schema: z.object({ grants: z.array(grantView) }) },
      401: unauthorized,
    },
  }),
  setGrant: operation({
    id: 'pauseGrant',
    method: 'PUT',
    path: '/api/me/apps/:id',
    tag: 'Apps',
    summary: 'Pause or unpause an app (unpausing tells it your current state)',
    auth: 'sessionToken',
    params: appParams,
    body: grantPatchBody,
    responses: { 204: { description: 'Done.' }, 400: bad, 401: unauthorized, 404: notFound },
  }),
  revokeGrant: operation({
    id: 'revokeGrant',
    method: 'DELETE',
    path: '/api/me/apps/:id',
    tag: 'Apps',
    summary: "Revoke an app's access",
    auth: 'sessionToken',
    params: appParams,
    responses: { 204: { description: 'Revoked.' }, 401: unauthorized, 404: notFound },
  }),
  stream: operation({
    id: 'appStream',
    method: 'GET',
    path: '/api/apps/stream',
    tag: 'Apps',
    summary: 'Presence updates of your granted users, as NDJSON or (Accept: text/event-stream) SSE',
    description:
      'Every update has a cursor; reconnect with `?cursor=` (or `Last-Event-ID`) to get what was missed, once, in order. A second stream of the same app ends the first. See docs/apps.md.',
    auth: 'appSecret',
    query: streamQuery,
    responses: {
      200: { description: 'The stream (never ends by itself).', contentType: 'application/x-ndjson' },
      401: unauthorized,
      410: { description: 'CURSOR_EXPIRED: older than the retention window.', schema: apiError },
    },
  }),
  notify: operation({
    id: 'appNotify',
    method: 'POST',
    path: '/api/apps/notify',
    tag: 'Apps',
    summary: 'Send a granted user a live notification (shown on their online devices)',
    auth: 'appSecret',
    body: notifyBody,
    responses: {
      200: {
        description: 'Sent; `delivered` is 0 when the user is offline.',
        schema: z.object({ delivered: z.number().int() }),
      },
      400: bad,
      401: unauthorized,
      403: {
        description: 'FORBIDDEN: not granted, revoked or paused (reason says which).',
        schema: apiError,
      },
      429: { description: 'RATE_LIMITED.', schema: apiError },
    },
  }),
} satisfies Record<string, ApiOperation>;
