/**
 * A user's presence as everyone else sees it. A hidden user is `offline` here: whatever depends
 * on this (direct-message gating) must treat them exactly as someone who is not connected, or the
 * difference would reveal that they are hiding.
 */
export type VisibleState = 'chatty' | 'online' | 'busy' | 'away' | 'offline';

/**
 * What the contacts and direct-message services need from the presence engine, and nothing more:
 * keeping the dependency this small lets them be built and tested without it (a test double, or a
 * connected/not-connected stand-in until the engine is wired).
 */
export interface PresenceReader {
  stateFor(userId: string): VisibleState;
}
