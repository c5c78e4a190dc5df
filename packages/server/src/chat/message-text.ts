import { PresenceError, codePointLength } from '@presence/protocol';

/**
 * The one check every way of posting text goes through (chat.send, chat.edit, dm.send, the service
 * API): at most `maxTextLength` code points, the unit every limit of the protocol counts, and not
 * only whitespace.
 */
export function checkMessageText(text: string, maxTextLength: number): void {
  // text.length (UTF-16 units) is never below the code point count: only long texts need counting.
  if (text.length > maxTextLength && codePointLength(text) > maxTextLength) {
    throw new PresenceError('MESSAGE_TOO_LONG', `Messages are limited to ${maxTextLength} characters.`);
  }
  if (text.trim().length === 0) throw new PresenceError('INVALID_MESSAGE', 'The message is empty.');
}
