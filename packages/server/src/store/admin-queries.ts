import type { StoredUser } from './identity-store.js';
import type { StoredRoom } from './store.js';

/**
 * Listings across the whole server, for operators (`presence admin`) and the service API. Part of
 * the Store seam (`store.admin`). Offset paging is fine here: these lists are read by people and
 * backends reconciling state, not by clients scrolling live data.
 */
export interface AdminQueries {
  /** Persistent rooms, oldest first, each with memberCount; `total` counts them all. */
  listRooms(page: AdminPage): Promise<{ rooms: StoredRoom[]; total: number }>;
  /** Users with a stored row (local, external, service), oldest first; `total` counts them all. */
  listUsers(page: AdminPage): Promise<{ users: StoredUser[]; total: number }>;
}

export interface AdminPage {
  limit: number;
  offset: number;
}
