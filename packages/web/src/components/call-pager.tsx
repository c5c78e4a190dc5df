export interface PagerState {
  page: number;
  pages: number;
  /** Participants on other pages who are speaking now (so you know to look). */
  speakingElsewhere: number;
}

/** "‹ 2 / 3 ›" under a call grid that holds more tiles than fit on one page. */
export function CallPager({ state, go }: { state: PagerState; go(page: number): void }) {
  const { page, pages, speakingElsewhere } = state;
  if (pages <= 1) return null;
  return (
    <nav class="call-pager" data-testid="call-pager" aria-label="Call pages">
      <button
        type="button"
        class="call-pager__btn"
        aria-label="Previous page"
        disabled={page === 0}
        onClick={() => go(page - 1)}
      >
        ‹
      </button>
      <span class="call-pager__label" data-testid="call-pager-label">
        {page + 1} / {pages}
      </span>
      <button
        type="button"
        class="call-pager__btn"
        aria-label="Next page"
        disabled={page >= pages - 1}
        onClick={() => go(page + 1)}
      >
        ›
      </button>
      {speakingElsewhere > 0 && (
        <span class="call-pager__speaking" role="status">
          {speakingElsewhere === 1
            ? 'Someone on another page is speaking'
            : `${speakingElsewhere} people on other pages are speaking`}
        </span>
      )}
    </nav>
  );
}
