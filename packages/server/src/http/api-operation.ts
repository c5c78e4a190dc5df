import type { z } from 'zod';

/**
 * One REST operation described as data: method, path, auth, and the zod schemas of its parameters,
 * body and responses. Routes validate with these schemas and the OpenAPI document is generated
 * from the same objects, so the description cannot drift from what the server accepts.
 */
export interface ApiOperation {
  /** Unique, stable: the OpenAPI operationId. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify syntax (`/api/rooms/:id`); the OpenAPI document says `{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /**
   * serviceKey: `Authorization: Bearer psk_…`; sessionToken: a Presence session token; appSecret:
   * a third-party app's client secret (`Bearer pas_…`).
   */
  auth: 'serviceKey' | 'sessionToken' | 'appSecret' | 'none';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

/** What a handler receives: its operation's parameters and body, parsed. */
export interface OperationInput<O extends ApiOperation> {
  params: O['params'] extends z.ZodType ? z.output<O['params']> : Record<string, never>;
  query: O['query'] extends z.ZodType ? z.output<O['query']> : Record<string, never>;
  body: O['body'] extends z.ZodType ? z.output<O['body']> : undefined;
}

/** Keeps an operation's literal types (so handlers see its exact schemas). */
export function operation<const O extends ApiOperation>(o: O): O {
  return o;
}
