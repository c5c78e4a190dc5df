import { h } from '../dom.ts';
import type { View } from './view.ts';

export function notFoundView(): View {
  return {
    el: h(
      'section',
      { class: 'landing' },
      h(
        'div',
        { class: 'card landing__card' },
        h('h1', { class: 'landing__title' }, 'Page not found'),
        h('p', { class: 'landing__lead' }, 'There is nothing at this address.'),
        h('a', { class: 'btn btn--primary', href: '/', dataset: { link: '' } }, 'Go to the start page'),
      ),
    ),
    mounted: () => {
      document.title = 'Not found · Presence';
    },
  };
}
