/**
 * Grow a textarea with its content up to its CSS max-height. Imperative on purpose: the height
 * follows the laid-out `scrollHeight`, which only the element knows after each input.
 */
export function autoGrow(area: HTMLTextAreaElement): void {
  area.style.height = 'auto';
  area.style.height = `${area.scrollHeight + 2}px`;
}
