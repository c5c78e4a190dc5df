/** Level above which the microphone counts as speech (RMS of samples in [-1, 1]). */
const THRESHOLD = 0.02;
const SAMPLE_MS = 150;
/** Speech has pauses between words: stay "speaking" this long after the level drops. */
const HOLD_MS = 800;

/**
 * Voice activity on a local microphone track with an AudioContext analyser. Only the change is
 * reported (the caller sends live.media {speaking}), so a quiet room costs no messages.
 */
export class SpeakingDetector {
  speaking = false;
  private readonly context = new AudioContext();
  private readonly timer: number;
  private lastLoud = 0;

  constructor(track: MediaStreamTrack, onChange: (speaking: boolean) => void) {
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    this.context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // A context created outside a click starts suspended; the join click normally precedes this.
    void this.context.resume().catch(() => undefined);
    this.timer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const loud = track.enabled && Math.sqrt(sum / samples.length) > THRESHOLD;
      const now = performance.now();
      if (loud) this.lastLoud = now;
      const speaking = loud || (this.speaking && now - this.lastLoud < HOLD_MS);
      if (speaking !== this.speaking) {
        this.speaking = speaking;
        onChange(speaking);
      }
    }, SAMPLE_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    void this.context.close().catch(() => undefined);
  }
}
