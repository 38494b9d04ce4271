import { MAX_WEBHOOK_URL_CHARS } from '../watch/watch-bounds.js';

export type WebhookUrlCheck = { status: 'ok'; url: string } | { status: 'invalid'; reason: string };

/**
 * A webhook URL as a watch stores it: absolute http(s), within the length
 * bound. Whether its address may be reached is decided at each delivery, by the
 * delivering worker's address policy (--allow-net), since DNS may change meanwhile.
 */
export function checkWebhookUrl(text: string): WebhookUrlCheck {
  if (text.length > MAX_WEBHOOK_URL_CHARS)
    return { status: 'invalid', reason: `longer than ${MAX_WEBHOOK_URL_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { status: 'invalid', reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { status: 'invalid', reason: 'only http and https URLs' };
  if (url.hostname === '') return { status: 'invalid', reason: 'no host' };
  return { status: 'ok', url: url.href };
}
