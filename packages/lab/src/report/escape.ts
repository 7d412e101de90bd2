/** Text into HTML or SVG, in element content and in double-quoted attributes alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A string safe as an HTML id / URL fragment (scenario names are already close to that). */
export function anchorId(name: string): string {
  return `s-${name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`;
}
