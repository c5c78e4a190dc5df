import type { UserRef } from '@presence/protocol';
import { h } from '../dom.ts';

/** A user's pixel avatar. Decorative (alt=""): the name is always shown next to it. */
export function avatar(user: Pick<UserRef, 'avatar' | 'name'>, size = 32, extraClass = ''): HTMLImageElement {
  return h('img', {
    class: `avatar ${extraClass}`.trim(),
    src: user.avatar,
    alt: '',
    width: String(size),
    height: String(size),
    loading: 'lazy',
    decoding: 'async',
    draggable: 'false',
  });
}
