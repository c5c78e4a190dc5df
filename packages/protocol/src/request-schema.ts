import { z } from 'zod';
import { requestId } from './ids.js';

/** Build a request schema: `{ type, id, ...params }`. Every request family uses this one builder. */
export function request<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), id: requestId, ...shape });
}
