import type { CallController, PeerStats } from './call-controller.ts';

declare global {
  interface Window {
    /** For tests and debugging from the console: what each peer connection decodes. */
    __presenceCall?: { stats(): Promise<PeerStats[]> };
  }
}

/** Expose the call on `window.__presenceCall` while it is on screen; returns the removal. */
export function installCallDebugHook(call: CallController): () => void {
  const hook = { stats: () => call.stats() };
  window.__presenceCall = hook;
  return () => {
    if (window.__presenceCall === hook) delete window.__presenceCall;
  };
}
