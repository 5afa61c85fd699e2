/**
 * Replaces what lies between `start` and `end` in `text` (the markers stay).
 * Throws when the markers are missing or out of order, so a moved block is
 * noticed rather than left stale; `what` names the block in that message.
 */
export function replaceMarkedBlock(text: string, start: string, end: string, content: string, file: string, what: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`${file} needs a block "${start}" … "${end}" for ${what}; found ${from < 0 ? 'no start marker' : 'no end marker after it'}.`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}
