import type { FileRef } from '@presence/protocol';

/**
 * Options for {@link uploadFile}.
 *
 * @example
 * const options: UploadOptions = { baseUrl: 'https://chat.example.org', token: client.token ?? '', onProgress: (f) => bar.value = f };
 */
export interface UploadOptions {
  /** The server's HTTP origin, e.g. `https://chat.example.org` (empty: this page's origin). */
  baseUrl?: string;
  /** The session token (`client.token`). */
  token: string;
  /** Called as bytes go out, with the fraction sent (0 to 1). Browsers only (XMLHttpRequest). */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** An upload refused by the server: `code` is a protocol error code (`FILE_TOO_LARGE`, `NOT_IN_ROOM`…). */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

function parseReply(status: number, text: string): FileRef {
  let body: { file?: FileRef; code?: string; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): reported by status below.
  }
  if (status === 201 && body.file) return body.file;
  throw new UploadError(
    body.code ?? 'UPLOAD_FAILED',
    body.message ?? `Upload failed (HTTP ${status}).`,
    status,
  );
}

/**
 * Upload a file to a room (`POST /api/rooms/:room/files`); then attach it with
 * `client.sendChat(room, caption, { file: ref.id })`. In a browser the progress is reported; in
 * Node (no XMLHttpRequest) `fetch` is used.
 *
 * @example
 * const ref = await uploadFile('lobby', input.files[0], { token: client.token ?? '', onProgress: (f) => (bar.value = f) });
 * await client.sendChat('lobby', ref.name, { file: ref.id });
 */
export function uploadFile(
  room: string,
  file: Blob & { name?: string },
  options: UploadOptions,
): Promise<FileRef> {
  const name = file.name ?? 'file';
  const url = `${options.baseUrl ?? ''}/api/rooms/${encodeURIComponent(room)}/files?name=${encodeURIComponent(name)}`;
  if (typeof XMLHttpRequest === 'undefined') {
    return fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/octet-stream' },
      body: file,
      ...(options.signal ? { signal: options.signal } : {}),
    }).then(async (res) => parseReply(res.status, await res.text()));
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) options.onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      try {
        resolve(parseReply(xhr.status, xhr.responseText));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    xhr.onerror = () => reject(new UploadError('NETWORK', 'The upload did not reach the server.', 0));
    xhr.onabort = () => reject(new UploadError('ABORTED', 'The upload was cancelled.', 0));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/**
 * Read a file's bytes (`GET /api/files/:id`) as a Blob of its sniffed type; members of its room only.
 *
 * @example
 * const blob = await downloadFile(message.file.id, { token: client.token ?? '' });
 * img.src = URL.createObjectURL(blob);
 */
export function downloadFile(id: string, options: { baseUrl?: string; token: string }): Promise<Blob> {
  return fetchBlob(`/api/files/${encodeURIComponent(id)}`, options);
}

/**
 * Read a call recording's file (its `url`, `GET /api/recordings/:id`) as a Blob; members of its
 * room only.
 *
 * @example
 * const { recordings } = await client.request('live.recordings', { room });
 * const blob = await downloadRecording(recordings[0], { token: client.token ?? '' });
 */
export function downloadRecording(
  recording: { url: string },
  options: { baseUrl?: string; token: string },
): Promise<Blob> {
  return fetchBlob(recording.url, options);
}

async function fetchBlob(path: string, options: { baseUrl?: string; token: string }): Promise<Blob> {
  const res = await fetch(`${options.baseUrl ?? ''}${path}`, {
    headers: { authorization: `Bearer ${options.token}` },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new UploadError(body.code ?? 'DOWNLOAD_FAILED', body.message ?? `HTTP ${res.status}`, res.status);
  }
  return res.blob();
}

/**
 * A message's reactions after a `reaction` event: the same object when nothing changes, emoji
 * nobody uses dropped, undefined when none is left.
 *
 * @example
 * message.reactions = applyReactionEvent(message.reactions, event);
 */
export function applyReactionEvent(
  reactions: Record<string, string[]> | undefined,
  event: { by: { id: string }; emoji: string; on: boolean },
): Record<string, string[]> | undefined {
  const users = reactions?.[event.emoji] ?? [];
  if (users.includes(event.by.id) === event.on) return reactions;
  const next: Record<string, string[]> = { ...reactions };
  const updated = event.on ? [...users, event.by.id] : users.filter((u) => u !== event.by.id);
  if (updated.length > 0) next[event.emoji] = updated;
  else delete next[event.emoji];
  return Object.keys(next).length > 0 ? next : undefined;
}
