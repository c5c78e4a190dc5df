/**
 * SDP fragments for WHIP/WHEP trickle and ICE restart (RFC 8840 `application/trickle-ice-sdpfrag`):
 * session-level `a=ice-ufrag` / `a=ice-pwd`, then per media section its `a=mid` and candidates.
 */
export interface SdpFrag {
  ufrag: string | null;
  pwd: string | null;
  /** Candidates with the mid (and m-line index) of the section they came in. */
  candidates: { candidate: string; sdpMid: string | null; sdpMLineIndex: number }[];
  endOfCandidates: boolean;
}

export function parseSdpFrag(text: string): SdpFrag {
  const frag: SdpFrag = { ufrag: null, pwd: null, candidates: [], endOfCandidates: false };
  let mid: string | null = null;
  let index = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      index++;
      mid = null;
    } else if (line.startsWith('a=mid:')) mid = line.slice(6);
    else if (line.startsWith('a=ice-ufrag:')) frag.ufrag = line.slice(12);
    else if (line.startsWith('a=ice-pwd:')) frag.pwd = line.slice(10);
    else if (line.startsWith('a=candidate:'))
      frag.candidates.push({ candidate: line.slice(2), sdpMid: mid, sdpMLineIndex: Math.max(0, index) });
    else if (line === 'a=end-of-candidates') frag.endOfCandidates = true;
  }
  return frag;
}

/** The first ice-ufrag of an SDP (session or media level), or null. */
export function iceUfragOf(sdp: string): string | null {
  return /^a=ice-ufrag:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null;
}

/** `sdp` with every ice-ufrag/ice-pwd replaced and the old candidates dropped (an ICE restart offer). */
export function withIceCredentials(sdp: string, ufrag: string, pwd: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates')
    .map((l) =>
      l.startsWith('a=ice-ufrag:')
        ? `a=ice-ufrag:${ufrag}`
        : l.startsWith('a=ice-pwd:')
          ? `a=ice-pwd:${pwd}`
          : l,
    )
    .join('\r\n');
}

/** An SDP's ICE credentials and candidates as a fragment (the answer to an ICE restart PATCH). */
export function sdpFragOf(sdp: string): string {
  const lines = sdp.split(/\r?\n/);
  const ufrag = lines.find((l) => l.startsWith('a=ice-ufrag:'));
  const pwd = lines.find((l) => l.startsWith('a=ice-pwd:'));
  const out: string[] = [];
  if (ufrag) out.push(ufrag);
  if (pwd) out.push(pwd);
  let section: string[] = [];
  const flush = () => {
    if (section.length > 1) out.push(...section);
    section = [];
  };
  for (const l of lines) {
    if (l.startsWith('m=')) {
      flush();
      section.push(l);
    } else if (
      section.length > 0 &&
      (l.startsWith('a=mid:') || l.startsWith('a=candidate:') || l === 'a=end-of-candidates')
    )
      section.push(l);
  }
  flush();
  return out.join('\r\n') + '\r\n';
}
