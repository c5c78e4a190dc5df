import { ERROR_CODES, type ErrorCode } from '@presence/protocol';
import { z } from 'zod';
import { displayName, password, username } from '../identity/account-service.js';

/**
 * Request and response bodies of the account REST API (http/account-routes.ts), as zod schemas:
 * the routes validate with them and the OpenAPI description is generated from them.
 */

export const registerBody = z.object({ username, password, name: displayName });
export type RegisterBody = z.infer<typeof registerBody>;

/** Login checks only the shape: a malformed name is simply a wrong one (INVALID_CREDENTIALS). */
export const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof loginBody>;

export const changePasswordBody = z.object({
  oldPassword: z.string().min(1).max(256),
  newPassword: password,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;

/** 201 from POST /api/accounts, 200 from POST /api/login. */
export const accountResponse = z.object({
  userId: z.string(),
  name: z.string(),
  /** A Presence session token: send it in hello, or as `Authorization: Bearer` here. */
  token: z.string(),
  /** The guest whose rooms, contacts and status moved to the account (its token was presented). */
  guest: z.string().nullable(),
});

/** POST /api/account/password: the new token (every older one stopped working). */
export const tokenResponse = z.object({ token: z.string() });

/** GET /api/me. */
export const meResponse = z.object({
  userId: z.string(),
  name: z.string(),
  avatar: z.string(),
  kind: z.enum(['guest', 'local', 'external', 'service']),
});

/** Every failure: a protocol error code and a human-readable message. */
export const errorResponse = z.object({
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  /** RATE_LIMITED only; the Retry-After header says the same in seconds. */
  retryAfterMs: z.number().int().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponse>;
