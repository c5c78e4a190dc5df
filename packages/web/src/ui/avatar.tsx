import type { UserRef } from '@presence/protocol';

/** A user's pixel avatar. Decorative (alt=""): the name is always shown next to it. */
export function Avatar({
  user,
  size = 32,
  extraClass = '',
}: {
  user: Pick<UserRef, 'avatar' | 'name'>;
  size?: number;
  extraClass?: string;
}) {
  return (
    <img
      class={`avatar ${extraClass}`.trim()}
      src={user.avatar}
      alt=""
      width={size}
      height={size}
      loading="lazy"
      decoding="async"
      draggable={false}
    />
  );
}
