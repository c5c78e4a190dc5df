import { z } from 'zod';
import { timestamp } from './ids.js';

/** Longest live notification text an app may send. */
export const APP_NOTIFICATION_MAX = 280;

/**
 * A third-party app the user granted presence access sent them a live notification; it goes to
 * every connected session of the user. The web app shows it as a toast naming the app.
 */
export const appNotificationEvent = z.object({
  type: z.literal('app.notification'),
  app: z.object({ id: z.string(), name: z.string() }),
  text: z.string().max(APP_NOTIFICATION_MAX),
  at: timestamp,
});
export type AppNotificationEvent = z.infer<typeof appNotificationEvent>;

export const appEventSchemas = {
  'app.notification': appNotificationEvent,
} as const;
