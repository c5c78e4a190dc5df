/** What every view returns: its root element and a cleanup for subscriptions and timers. */
export interface View {
  el: HTMLElement;
  /** Called once the element is in the document (focus, scroll). */
  mounted?(): void;
  destroy?(): void;
}
