/**
 * A random idempotency key for chat.send. `crypto.randomUUID` exists only in secure contexts
 * (https, localhost) in browsers, so fall back to `getRandomValues`, and to Math.random where no
 * Web Crypto exists at all (the nonce only has to be unique per sender, not secret).
 */
export function randomNonce(): string {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof webCrypto?.randomUUID === 'function') return webCrypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof webCrypto?.getRandomValues === 'function') webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
