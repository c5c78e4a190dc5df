import type { LiveSignal } from '@presence/protocol';

/** An ICE candidate line or attribute that is a TURN relay (the only kind that shows no peer address). */
function isRelayCandidate(candidate: string): boolean {
  return / typ relay( |$)/.test(candidate);
}

/**
 * What may cross a relay edge of a room that keeps addresses private: TURN candidates only (host,
 * server-reflexive and peer-reflexive ones would show the sender's addresses). A client asked to
 * use iceTransportPolicy 'relay' sends no others; this is the server making sure. Returns null
 * when nothing is left to send (a dropped candidate).
 */
export function hideAddresses(signal: LiveSignal): LiveSignal | null {
  if (signal.kind === 'candidate') {
    if (signal.candidate === null || signal.candidate.candidate === '') return signal;
    return isRelayCandidate(signal.candidate.candidate) ? signal : null;
  }
  const lines = signal.sdp.split(/\r\n|\n/);
  const kept = lines.filter((line) => !line.startsWith('a=candidate:') || isRelayCandidate(line));
  return { ...signal, sdp: kept.join('\r\n') };
}
