import { roomId, roomInfo } from '@presence/protocol';
import { z } from 'zod';
import {
  accountResponse,
  changePasswordBody,
  errorResponse,
  loginBody,
  meResponse,
  registerBody,
  tokenResponse,
} from './account-schemas.js';
import { operation, type ApiOperation } from './api-operation.js';
import { apiError, serviceOperations } from './service-api-schemas.js';
import { appOperations } from './app-schemas.js';

/**
 * The OpenAPI 3.1 description of Presence's HTTP API, generated from the same zod schemas the
 * routes validate with (zod's own JSON Schema output is draft 2020-12, which is what 3.1 uses).
 */

const unauthorized = { description: 'UNAUTHORIZED: no valid session token.', schema: errorResponse };
const unavailable = { description: 'STORE_UNAVAILABLE.', schema: errorResponse };
const badBody = {
  description: 'INVALID_MESSAGE: the body does not match its schema.',
  schema: errorResponse,
};
const rateLimited = {
  description: 'RATE_LIMITED: too many failed attempts; Retry-After says when to try again.',
  schema: errorResponse,
};

/** Local accounts (http/account-routes.ts), described with that file's schemas. */
export const accountOperations: ApiOperation[] = [
  operation({
    id: 'register',
    method: 'POST',
    path: '/api/accounts',
    tag: 'Accounts',
    summary: 'Register a local account',
    auth: 'none',
    body: registerBody,
    responses: {
      201: { description: 'Registered and logged in.', schema: accountResponse },
      400: badBody,
      409: { description: 'USERNAME_TAKEN.', schema: errorResponse },
      503: unavailable,
    },
  }),
  operation({
    id: 'login',
    method: 'POST',
    path: '/api/login',
    tag: 'Accounts',
    summary: 'Log in',
    auth: 'none',
    body: loginBody,
    responses: {
      200: { description: 'Logged in.', schema: accountResponse },
      400: badBody,
      401: { description: 'INVALID_CREDENTIALS.', schema: errorResponse },
      429: rateLimited,
      503: unavailable,
    },
  }),
  operation({
    id: 'logout',
    method: 'POST',
    path: '/api/logout',
    tag: 'Accounts',
    summary: 'Log out (revoke the presented session token)',
    auth: 'sessionToken',
    responses: { 204: { description: 'Logged out.' }, 401: unauthorized, 503: unavailable },
  }),
  operation({
    id: 'changePassword',
    method: 'POST',
    path: '/api/account/password',
    tag: 'Accounts',
    summary: 'Change the password',
    description: 'Every older session token of the account stops working; the answer holds a new one.',
    auth: 'sessionToken',
    body: changePasswordBody,
    responses: {
      200: { description: 'Changed.', schema: tokenResponse },
      400: badBody,
      401: unauthorized,
      429: rateLimited,
      503: unavailable,
    },
  }),
  operation({
    id: 'me',
    method: 'GET',
    path: '/api/me',
    tag: 'Accounts',
    summary: 'Who the session token belongs to',
    auth: 'sessionToken',
    responses: { 200: { description: 'The user.', schema: meResponse }, 401: unauthorized, 503: unavailable },
  }),
];

/** The public reads of http-app.ts. */
export const publicOperations: ApiOperation[] = [
  operation({
    id: 'roomDirectory',
    method: 'GET',
    path: '/api/rooms',
    tag: 'Public',
    summary: 'Public room directory',
    description: 'Public named rooms whose name or topic contains q.',
    auth: 'none',
    query: z.object({
      q: z.string().max(80).optional(),
      limit: z.coerce.number().int().positive().optional(),
    }),
    responses: {
      200: { description: 'Matching rooms.', schema: z.object({ rooms: z.array(roomInfo) }) },
      503: unavailable,
    },
  }),
  operation({
    id: 'roomPreview',
    method: 'GET',
    path: '/api/rooms/:id',
    tag: 'Public',
    summary: 'Preview a room',
    description:
      "What a link's recipient may see before joining: no members, no history. A private room answers exactly as a room that does not exist.",
    auth: 'none',
    params: z.object({ id: roomId }),
    responses: {
      200: {
        description: 'The room.',
        schema: z.object({
          room: roomInfo.pick({ id: true, name: true, topic: true, persistent: true, memberCount: true }),
        }),
      },
      404: { description: 'ROOM_NOT_FOUND: no such room, or a private one.', schema: errorResponse },
      503: unavailable,
    },
  }),
  operation({
    id: 'invitePreview',
    method: 'GET',
    path: '/api/invites/:code',
    tag: 'Public',
    summary: 'Preview an invite',
    description:
      "The join page's view of an invite: the room's name, topic and size and who invites, no room id.",
    auth: 'none',
    params: z.object({ code: z.string() }),
    responses: {
      200: {
        description: 'A usable invite.',
        schema: z.object({
          room: z.object({ name: z.string().nullable(), topic: z.string(), memberCount: z.number().int() }),
          invitedBy: z.object({ name: z.string(), avatar: z.string() }),
          kind: z.enum(['single', 'public']),
          expiresAt: z.number().int().nullable(),
          valid: z.literal(true),
        }),
      },
      404: { description: 'INVITE_INVALID, reason not_found.', schema: apiError },
      410: { description: 'INVITE_INVALID, reason expired, used_up or revoked.', schema: apiError },
      503: unavailable,
    },
  }),
  operation({
    id: 'health',
    method: 'GET',
    path: '/healthz',
    tag: 'Public',
    summary: 'Health',
    auth: 'none',
    responses: {
      200: { description: 'Healthy.', schema: healthSchema() },
      503: { description: 'Degraded: the store is unreachable.', schema: healthSchema() },
    },
  }),
];

function healthSchema() {
  return z.looseObject({
    status: z.enum(['ok', 'degraded']),
    store: z.enum(['ok', 'unavailable']),
    version: z.string(),
    storeKind: z.enum(['sqlite', 'postgres']),
    connections: z.object({ ws: z.number().int(), tcp: z.number().int() }),
    sessions: z.number().int(),
    rooms: z.number().int(),
    uptimeSeconds: z.number().int(),
  });
}

export const allOperations: ApiOperation[] = [
  ...Object.values(serviceOperations),
  ...accountOperations,
  ...publicOperations,
  ...Object.values(appOperations),
];

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // `unrepresentable: 'any'`: a transform somewhere must not take the whole document down.
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

function parameters(op: ApiOperation): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input');
    const properties = (object['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((object['required'] ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

const SECURITY: Record<ApiOperation['auth'], JsonSchema[]> = {
  serviceKey: [{ serviceKey: [] }],
  sessionToken: [{ sessionToken: [] }],
  appSecret: [{ appSecret: [] }],
  none: [],
};

/**
 * Schemas shared by many responses go to components and are referenced, so the long list of error
 * codes appears once instead of in every error response.
 */
const SHARED = new Map<z.ZodType, string>([
  [apiError, 'Error'],
  [errorResponse, 'AccountError'],
]);

function responseSchema(schema: z.ZodType): JsonSchema {
  const name = SHARED.get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : jsonSchema(schema, 'output');
}

function toOpenApiOperation(op: ApiOperation): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema
        ? { content: { [r.contentType ?? 'application/json']: { schema: responseSchema(r.schema) } } }
        : {}),
    };
  }
  const params = parameters(op);
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: SECURITY[op.auth],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** `/api/rooms/:id` → `/api/rooms/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApiDocument(version: string, operations: ApiOperation[] = allOperations) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    (paths[path] ??= {})[op.method.toLowerCase()] = toOpenApiOperation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Presence HTTP API',
      version,
      description:
        'The REST side of Presence: the service API for trusted backends (service keys), local ' +
        'accounts, and public reads. Real-time traffic uses the wire protocol (docs/protocol.md).',
    },
    tags: [
      { name: 'Service API', description: 'For a trusted backend holding a service key.' },
      { name: 'Accounts', description: 'Local accounts: register, log in, session tokens.' },
      { name: 'Public', description: 'No authentication.' },
      {
        name: 'Apps',
        description: 'Third-party apps: registration, consent, grants, stream, notifications.',
      },
    ],
    paths,
    components: {
      schemas: Object.fromEntries([...SHARED].map(([schema, name]) => [name, jsonSchema(schema, 'output')])),
      securitySchemes: {
        serviceKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'psk_…',
          description: 'A service key from `presence admin service-keys create`.',
        },
        sessionToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Presence session token (from login, registration or the service API).',
        },
        appSecret: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'pas_…',
          description: "A third-party app's client secret (docs/apps.md).",
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
