/**
 * Short-lived notices for failed actions ("Could not send: …"). Notices are state: one per key,
 * so the same failure repeated is one notice with a count (and a fresh timer), not a stack.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';

interface Toast {
  key: string;
  text: string;
  kind: 'error' | 'info';
  count: number;
  leaving: boolean;
}

const SHOWN_MS = 4000;
const FADE_MS = 300;

function ToastList({ toasts }: { toasts: readonly Toast[] }) {
  return (
    <>
      {toasts.map((t) => (
        <div
          key={t.key}
          class={`toast toast--${t.kind}${t.leaving ? ' toast--leaving' : ''}`}
          data-testid="toast"
          data-count={String(t.count)}
        >
          {t.text}
          {t.count > 1 && (
            <span class="toast__count" aria-label={`${t.count} times`}>
              ×{t.count}
            </span>
          )}
        </div>
      ))}
    </>
  );
}

export function Toasts({ app }: { app: App }) {
  const shown = useSignal<readonly Toast[]>([]);
  useEffect(() => {
    const timers = new Map<string, number>();
    const update = (key: string, change: ((t: Toast) => Toast) | null): void => {
      shown.value = change
        ? shown.value.map((t) => (t.key === key ? change(t) : t))
        : shown.value.filter((t) => t.key !== key);
    };
    const off = app.on('toast', ({ text, kind, key }) => {
      const existing = shown.value.find((t) => t.key === key);
      if (existing) update(key, (t) => ({ ...t, text, count: t.count + 1, leaving: false }));
      else shown.value = [...shown.value, { key, text, kind, count: 1, leaving: false }];
      window.clearTimeout(timers.get(key));
      timers.set(
        key,
        window.setTimeout(() => {
          update(key, (t) => ({ ...t, leaving: true }));
          timers.set(
            key,
            window.setTimeout(() => {
              timers.delete(key);
              update(key, null);
            }, FADE_MS),
          );
        }, SHOWN_MS),
      );
    });
    return () => {
      off();
      for (const timer of timers.values()) window.clearTimeout(timer);
    };
  }, [app]);
  return (
    <div class="toasts" role="status" aria-live="polite">
      <ToastList toasts={shown.value} />
    </div>
  );
}
