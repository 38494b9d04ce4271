import { html, type SafeHtml } from './html.js';

export type TagTone = 'ok' | 'warn' | 'bad' | '';

/**
 * A tag's tone in words. The colour alone said it (WCAG 1.4.1): the same "none" was amber for one
 * mechanism and grey for another, and an SPF "valid" red. Neutral and good tones need no words.
 */
const TONE_WORDS: Record<TagTone, string> = { ok: '', '': '', warn: 'warning', bad: 'problem' };

/**
 * A coloured tag, its tone in words after it for screen readers (outside the tag, so that the tag still
 * reads as its status), and `aside`: a few visible words where the tag's own word says less than its
 * colour did (an SPF record that is "valid" and lets anyone pass).
 */
export function toneTag(text: string, tone: TagTone, aside?: string): SafeHtml {
  const words = TONE_WORDS[tone];
  return html`<span class="tag ${tone}">${text}</span>${aside ? html` <span class="aside">${aside}</span>` : ''}${
      words ? html`<span class="visually-hidden"> (${words})</span>` : ''
    }`;
}
