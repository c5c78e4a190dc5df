/**
 * REST calls of the third-party-app pages (docs/apps.md), with this tab's session token (or the
 * browser's account login token).
 */
import type { App } from '../app.ts';
import { savedToken } from '../storage.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function tokenOf(app: App): string | null {
  return savedToken() ?? app.account?.token ?? null;
}

export async function appsApi<T>(app: App, method: string, path: string, body?: unknown): Promise<T> {
  const token = tokenOf(app);
  const res = await fetch(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) {
    throw new ApiError(
      res.status,
      String(json['code'] ?? res.status),
      String(json['message'] ?? res.statusText),
    );
  }
  return json as T;
}

export interface AppInfo {
  id: string;
  name: string;
  redirectUris: string[];
  webhookUrl: string | null;
  webhookDisabledAt: number | null;
  createdAt: number;
}

export interface Grant {
  app: { id: string; name: string };
  paused: boolean;
  shareStatus: boolean;
  grantedAt: number;
}

export interface Delivery {
  webhookId: string;
  at: number;
  status: number;
  error: string | null;
  attempt: number;
  updates: number;
}

export function when(ms: number): string {
  return new Date(ms).toLocaleString();
}
