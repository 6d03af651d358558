// Whether a view still reads once a sanitizer has stripped its styles and
// SVG: every word and number of its text rendering must be a word of what is
// left (not glued to a neighbour, as "samples40" would be), and every mark of
// the text (✓ ✗ * ↺ ■ =) must be there at least as often. Words cut by an
// ellipsis in the text are left out: the HTML may cut elsewhere.

const MARKS = ["✓", "✗", "*", "↺", "■", "="];

/** The problems of `shown` (the sanitized HTML's text) against `plain`, one sentence each. */
export function sanitizedWords(plain: string, shown: string): string[] {
  const problems: string[] = [];
  const words = new Set(
    plain.split(/[^\p{L}\p{N}.%,]+/u).map((w) => w.replace(/^[.,]+|[.,]+$/g, "")),
  );
  for (const word of words) {
    if (word === "" || plain.includes(`${word}…`)) continue;
    const alone = new RegExp(`(^|[^\\p{L}\\p{N}])${escape(word)}($|[^\\p{L}\\p{N}])`, "u");
    if (!alone.test(shown)) problems.push(`"${word}" is not a word of the sanitized rendering`);
  }
  for (const mark of MARKS) {
    const inPlain = plain.split(mark).length - 1;
    const inShown = shown.split(mark).length - 1;
    if (inShown < inPlain) {
      problems.push(`${inPlain} × "${mark}" in the text, ${inShown} sanitized`);
    }
  }
  return problems;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
