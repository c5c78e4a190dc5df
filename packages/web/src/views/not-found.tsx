import { useEffect } from 'preact/hooks';

export function NotFound() {
  useEffect(() => {
    document.title = 'Not found · Presence';
  }, []);
  return (
    <section class="landing">
      <div class="card landing__card">
        <h1 class="landing__title">Page not found</h1>
        <p class="landing__lead">There is nothing at this address.</p>
        <a class="btn btn--primary" href="/" data-link="">
          Go to the start page
        </a>
      </div>
    </section>
  );
}
