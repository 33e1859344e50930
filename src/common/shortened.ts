/** Names quoted in a message or a menu keep this many characters: a 300-character name must not fill a page. */
export const SHORT_NAME = 40;

/** `text` cut to `length` characters with an ellipsis, or whole when it is that short. */
export function shortened(text: string, length = SHORT_NAME): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
