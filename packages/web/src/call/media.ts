import type { LiveMedia } from '@presence/protocol';
import { Emitter } from '../emitter.ts';

export interface LocalMediaEvents extends Record<string, unknown> {
  /** A track object was added, replaced or removed: peers must swap what they send. */
  tracks: void;
  /** What we send changed (mic muted, camera off, screen shared): tell the room. */
  state: void;
}

export type DeviceKind = 'audioinput' | 'videoinput';

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24 },
};

/**
 * This tab's camera, microphone and screen. The camera is really switched off (its track is
 * stopped, the light goes out); muting only disables the microphone track so unmuting is instant.
 * The screen is a separate track with its own state, sent next to the camera.
 */
export class LocalMedia extends Emitter<LocalMediaEvents> {
  audioTrack: MediaStreamTrack | null = null;
  videoTrack: MediaStreamTrack | null = null;
  screenTrack: MediaStreamTrack | null = null;
  /** Camera and microphone together, for the local preview and as the senders' stream (msid). */
  readonly stream = new MediaStream();
  private readonly deviceIds: Partial<Record<DeviceKind, string>> = {};

  get state(): LiveMedia {
    return {
      audio: this.audioTrack?.enabled === true,
      video: this.videoTrack !== null,
      screen: this.screenTrack !== null,
    };
  }

  /** Ask for camera and microphone; take whichever of them is available. Returns what we got. */
  async start(): Promise<LiveMedia> {
    const attempts: MediaStreamConstraints[] = [
      { audio: true, video: VIDEO },
      { audio: true, video: false },
      { audio: false, video: VIDEO },
    ];
    for (const constraints of attempts) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia(constraints);
        this.setTrack('audio', stream.getAudioTracks()[0] ?? null);
        this.setTrack('video', stream.getVideoTracks()[0] ?? null);
        break;
      } catch {
        // No such device or not allowed: try with less; joining to listen and watch still works.
      }
    }
    this.emit('tracks', undefined);
    this.emit('state', undefined);
    return this.state;
  }

  setMic(on: boolean): void {
    if (!this.audioTrack || this.audioTrack.enabled === on) return;
    this.audioTrack.enabled = on;
    this.emit('state', undefined);
  }

  async setCamera(on: boolean): Promise<void> {
    if (on === (this.videoTrack !== null)) return;
    if (on) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: this.videoConstraints() });
      this.setTrack('video', stream.getVideoTracks()[0] ?? null);
    } else {
      this.setTrack('video', null);
    }
    this.emit('tracks', undefined);
    this.emit('state', undefined);
  }

  /** Share a screen or window; false when the person cancelled the picker. */
  async startScreen(): Promise<boolean> {
    if (this.screenTrack) return true;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return false;
    // The browser's own "Stop sharing" button ends the track without going through us.
    track.addEventListener('ended', () => {
      if (this.screenTrack === track) this.stopScreen();
    });
    track.contentHint = 'detail';
    this.screenTrack = track;
    this.emit('tracks', undefined);
    this.emit('state', undefined);
    return true;
  }

  stopScreen(): void {
    if (!this.screenTrack) return;
    this.screenTrack.stop();
    this.screenTrack = null;
    this.emit('tracks', undefined);
    this.emit('state', undefined);
  }

  /** Cameras and microphones; labels are only filled in once a permission was granted. */
  async devices(): Promise<MediaDeviceInfo[]> {
    const all = await navigator.mediaDevices.enumerateDevices();
    return all.filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput');
  }

  currentDevice(kind: DeviceKind): string | undefined {
    const track = kind === 'audioinput' ? this.audioTrack : this.videoTrack;
    return track?.getSettings().deviceId ?? this.deviceIds[kind];
  }

  /** Switch to another camera or microphone; a switched-off camera stays off and uses it later. */
  async useDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    this.deviceIds[kind] = deviceId;
    if (kind === 'videoinput') {
      if (!this.videoTrack) return;
      const stream = await navigator.mediaDevices.getUserMedia({ video: this.videoConstraints() });
      this.setTrack('video', stream.getVideoTracks()[0] ?? null);
    } else {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } });
      const muted = this.audioTrack?.enabled === false;
      const track = stream.getAudioTracks()[0] ?? null;
      if (track && muted) track.enabled = false;
      this.setTrack('audio', track);
    }
    this.emit('tracks', undefined);
    this.emit('state', undefined);
  }

  /** Release every device (leaving the call). */
  stop(): void {
    this.setTrack('audio', null);
    this.setTrack('video', null);
    this.stopScreen();
  }

  private videoConstraints(): MediaTrackConstraints {
    const id = this.deviceIds.videoinput;
    return id ? { ...VIDEO, deviceId: { exact: id } } : VIDEO;
  }

  private setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): void {
    const old = kind === 'audio' ? this.audioTrack : this.videoTrack;
    if (old === track) return;
    if (old) {
      old.stop();
      this.stream.removeTrack(old);
    }
    if (track) this.stream.addTrack(track);
    if (kind === 'audio') this.audioTrack = track;
    else this.videoTrack = track;
  }
}
