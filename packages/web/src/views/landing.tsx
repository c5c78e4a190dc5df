import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import { routePath, type Router } from '../router.ts';
import { errorText } from '../sdk.ts';
import { Logo } from '../ui/logo.tsx';
import { NameForm } from './name-form.tsx';

/** Home: pick a display name, create a room. */
export function Landing({ app, router }: { app: App; router: Router }) {
  useEffect(() => {
    document.title = 'Presence';
  }, []);
  return (
    <section class="landing" aria-labelledby="landing-title">
      <div class="card landing__card">
        <div class="landing__mark" aria-hidden="true">
          <Logo size={56} />
        </div>
        <h1 id="landing-title" class="landing__title">
          Talk to anyone with a link
        </h1>
        <p class="landing__lead">Create a room, share its link, and chat in real time. No account needed.</p>
        <NameForm
          initial={app.name}
          signedInAs={app.account?.name ?? null}
          submitLabel="Create room"
          submitTestId="create-room"
          focus={!app.name}
          submit={async (name) => {
            if (!app.account) app.setName(name);
            try {
              const id = await app.createRoom();
              router.go(routePath({ view: 'room', room: id }));
            } catch (err) {
              throw new Error(`Could not create a room: ${errorText(err)}`);
            }
          }}
        />
        <p class="landing__alt small">
          Or{' '}
          <a href={routePath({ view: 'directory', query: '' })} data-link="">
            browse public rooms
          </a>
          .
        </p>
      </div>
    </section>
  );
}
