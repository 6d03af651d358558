// Every relative link in the README, the guides (docs/*.md) and
// ARCHITECTURE.md leads somewhere: to a file or folder that exists and, with a
// `#fragment` into a Markdown file, to a heading (or an explicit anchor) in it.
// The README sends readers to the guides and the guides to each other; a
// renamed heading or a moved file must fail `deno task check`, not a reader.
// Links inside code (fences and inline code spans) are not links; links with a
// scheme (https:, jsr:, mailto:) are left to their sites.
//
// Run: deno run --allow-read=. .ci/check_doc_links.ts [root]

import { dirname, join, relative } from "node:path";

/** A link that leads nowhere. */
export interface BrokenLink {
  /** The file the link is in, relative to the root. */
  file: string;
  /** Its line, from 1. */
  line: number;
  /** The link target as written. */
  target: string;
  /** What is wrong with it, and what would fix it. */
  reason: string;
}

/** The files whose links are checked: the README, ARCHITECTURE.md and every guide. */
export async function docFiles(root: string): Promise<string[]> {
  const files = ["README.md", "ARCHITECTURE.md"];
  for await (const entry of Deno.readDir(join(root, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/**
 * The broken relative links of `files` (paths relative to `root`), in file
 * and line order; none when every link leads somewhere.
 */
export async function brokenDocLinks(root: string, files: string[]): Promise<BrokenLink[]> {
  const anchors = new Map<string, Set<string> | undefined>();
  const anchorsOf = async (path: string) => {
    if (!anchors.has(path)) {
      anchors.set(path, anchorSet(await Deno.readTextFile(path).catch(() => undefined)));
    }
    return anchors.get(path);
  };
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const path = join(root, file);
    const text = await Deno.readTextFile(path);
    for (const link of linksOf(text)) {
      const reason = await checkLink(root, path, link.target, anchorsOf);
      if (reason !== undefined) broken.push({ file, ...link, reason });
    }
  }
  return broken;
}

async function checkLink(
  root: string,
  from: string,
  target: string,
  anchorsOf: (path: string) => Promise<Set<string> | undefined>,
): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const hash = target.indexOf("#");
  const pathPart = hash === -1 ? target : target.slice(0, hash);
  const fragment = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const path = pathPart === "" ? from : join(dirname(from), decodeURIComponent(pathPart));
  const info = await Deno.stat(path).catch(() => undefined);
  if (info === undefined) {
    return `${relative(root, path) || path} does not exist: fix the path or restore the file`;
  }
  if (fragment === undefined || !info.isFile || !path.endsWith(".md")) return undefined;
  if ((await anchorsOf(path))?.has(fragment)) return undefined;
  return `${relative(root, path)} has no heading whose anchor is #${fragment}: ` +
    "link to an existing heading (lowercase, spaces as hyphens, punctuation dropped)";
}

/** The inline links and images of `markdown` outside code, with their lines. */
export function linksOf(markdown: string): { line: number; target: string }[] {
  const prose = withoutCode(markdown);
  const found: { line: number; target: string }[] = [];
  const add = (at: number, raw: string) => {
    const target = raw.trim().replace(/^<(.*)>$/, "$1").replace(/\s+"[^"]*"$/, "");
    found.push({ line: prose.slice(0, at).split("\n").length, target });
  };
  // [text](target) and ![alt](target); the text may hold one level of brackets.
  for (const m of prose.matchAll(/\]\(([^()\s]*(?:\s+"[^"]*")?)\)/g)) add(m.index!, m[1]!);
  // [label]: target (reference definitions).
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s+(\S+)/gm)) add(m.index!, m[1]!);
  return found;
}

/** `markdown` with fenced code blocks blanked out, lines kept. */
function withoutFences(markdown: string): string {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    if (fence === undefined) {
      const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      // A backtick fence's info string holds no backtick: "```a``` b" is inline code.
      if (open === null || (open[1]![0] === "`" && line.slice(open[0].length).includes("`"))) {
        return line;
      }
      fence = open[1]!;
      return "";
    }
    if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = undefined;
    return "";
  }).join("\n");
}

/**
 * `markdown` with fenced blocks and inline code spans blanked out, newlines
 * kept, so that offsets still give the right line.
 */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(
    /(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g,
    (span) => span.replace(/[^\n]/g, " "),
  );
}

/**
 * The anchors of a Markdown file, as GitHub makes them: each heading's text
 * lowercased, punctuation dropped, spaces as hyphens, a repeated one with
 * `-1`, `-2`, …; and explicit `<a id>`/`<a name>` anchors. `undefined` for a
 * file that cannot be read.
 */
export function anchorSet(markdown: string | undefined): Set<string> | undefined {
  if (markdown === undefined) return undefined;
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutFences(markdown).split("\n")) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const base = slugOf(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

/** GitHub's anchor of a heading's text. */
export function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const broken = await brokenDocLinks(root, await docFiles(root));
  for (const b of broken) console.error(`${b.file}:${b.line}: ${b.target}: ${b.reason}`);
  if (broken.length > 0) {
    console.error(`${broken.length} broken link(s) in the docs`);
    Deno.exit(1);
  }
}
