// The notebooks as a reader sees them, checked in a real browser: executes
// every shipped notebook (.ci/execute_notebooks.py), exports each to HTML with
// nbconvert (light theme, dark theme, and through nbconvert's sanitizer), loads
// the pages in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser is ever downloaded) at 1280 and 800 px, and
// asserts layout facts from the DOM:
//
// - no horizontal overflow: the page, and every view inside its output area;
// - legend items on one line;
// - numeric cells right-aligned (found by their content, not by their markup);
// - no SVG text outside its box (every `image/svg+xml` output, loaded as a
//   standalone image, which must also have its own title and fixed colours);
// - sanitized and without JavaScript, every view still reads: each word and
//   number of its text rendering is a word of the page, each mark is there.
//
// It then renders the README image notebooks/quickstart.png from the light
// export (the quickstart from "Persistent sampling" to the model shown after
// the answer chart), with the SHA-256 of notebooks/quickstart.ipynb recorded
// in the PNG (a tEXt chunk): tests/notebooks/screenshot_test.ts fails when the committed
// image was made from another version of the notebook.
//
// Usage: deno task browser-check [--update-screenshot]
// (needs .ci/install_jupyter.sh --chromium; CI runs it from .ci/run). Exits 1
// listing every failed fact.

import { chromium, type Page } from "playwright-core";
import { sanitizedWords } from "./sanitized_words.ts";
import { notebookDigest, withTextChunk } from "./png_text.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WORK = `${ROOT}tests/.tmp/browser`;
const CHROMIUM = "/usr/bin/chromium";
const WIDTHS = [1280, 800];
const THEMES = ["light", "dark"] as const;
const update = Deno.args.includes("--update-screenshot");

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

const failures: string[] = [];
const fail = (what: string) => failures.push(what);

async function run(command: string, args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!success) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

const text = (t: string | string[] | undefined) => Array.isArray(t) ? t.join("") : t ?? "";

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await step();
  console.log(`${what}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

await Deno.remove(WORK, { recursive: true }).catch(() => {});
await Deno.mkdir(`${WORK}/executed`, { recursive: true });
const sources = [...Deno.readDirSync(`${ROOT}notebooks`)]
  .filter((e) => e.name.endsWith(".ipynb")).map((e) => e.name).sort();

await timed("execute the notebooks", () =>
  run("python3", [
    ".ci/execute_notebooks.py",
    "--output",
    `${WORK}/executed`,
    ...sources.map((s) => `notebooks/${s}`),
  ]));
const executed = sources.map((s) => `${WORK}/executed/${s}`);
const exports = [
  { name: "light", flags: ["--theme", "light"] },
  { name: "dark", flags: ["--theme", "dark"] },
  { name: "sanitized", flags: ["--sanitize-html"] },
];
await timed("export HTML (light, dark, sanitized)", async () => {
  for (const { name, flags } of exports) {
    await run("jupyter", [
      "nbconvert",
      "--to",
      "html",
      "--log-level=ERROR",
      ...flags,
      "--output-dir",
      `${WORK}/${name}`,
      ...executed,
    ]);
  }
});

// A fresh profile every run (Playwright makes one), never a downloaded browser.
const chrome = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const browser = await chrome.newContext();
// The exported pages link scripts and fonts on CDNs: nothing leaves the machine.
await browser.route(/^(?!file:|data:|about:)/, (route) => route.abort());

/** Layout facts of a page, each failure as a sentence. */
function layoutFacts(): string[] {
  const problems: string[] = [];
  const where = (el: Element) => {
    const cell = el.closest(".jp-Cell");
    const index = cell === null ? -1 : [...document.querySelectorAll(".jp-Cell")].indexOf(cell);
    const preview = (el.textContent ?? "").replace(/\s+/g, " ").slice(0, 60);
    return `cell ${index} ("${preview}")`;
  };
  const page = document.documentElement;
  if (page.scrollWidth > globalThis.innerWidth + 1) {
    problems.push(
      `the page scrolls sideways: ${page.scrollWidth} px in ${globalThis.innerWidth} px`,
    );
  }
  for (const view of document.querySelectorAll<HTMLElement>(".llm-cache")) {
    const area = view.closest(".jp-OutputArea-output") ?? view.parentElement!;
    const box = view.getBoundingClientRect();
    if (view.scrollWidth > view.clientWidth + 1) {
      problems.push(
        `overflow: ${where(view)} is ${view.scrollWidth} px wide in ${view.clientWidth} px`,
      );
    } else if (box.right > area.getBoundingClientRect().right + 1) {
      problems.push(`overflow: ${where(view)} ends past its output area`);
    }
    for (const el of view.querySelectorAll<HTMLElement>("table, pre, details, [data-progress]")) {
      if (el.getBoundingClientRect().right > box.right + 1) {
        problems.push(`overflow: ${where(el)} sticks out of its view`);
      }
    }
  }
  for (const legend of document.querySelectorAll("[data-legend]")) {
    const tops = [...legend.querySelectorAll("[data-legend-item]")]
      .map((item) => item.getBoundingClientRect())
      .map((r) => [r.top, r.height]);
    if (tops.some(([top, height]) => Math.abs(top! - tops[0]![0]!) > 2 || height! > 24)) {
      problems.push(`legend on several lines: ${where(legend)}`);
    }
  }
  const NUMERIC =
    /^[-+]?[\d,]*\d(\.\d+)?\s*(%|s|B|KiB|MiB|GiB|USD|EUR|\/s)?(\s*\[[-\d.]+, [-\d.]+\])?$/;
  for (const table of document.querySelectorAll(".llm-cache table")) {
    const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.children]);
    const columns = Math.max(0, ...rows.map((r) => r.length));
    for (let c = 0; c < columns; c++) {
      const cells = rows.map((r) => r[c]).filter((cell): cell is Element =>
        cell !== undefined && (cell.textContent ?? "").trim() !== ""
      );
      if (cells.length === 0) continue;
      if (!cells.every((cell) => NUMERIC.test((cell.textContent ?? "").trim()))) continue;
      const left = cells.filter((cell) => {
        const align = getComputedStyle(cell).textAlign;
        return align !== "right" && align !== "end";
      });
      if (left.length > 0) {
        problems.push(`numbers not right-aligned: column ${c} of ${where(table)}`);
      }
    }
  }
  for (const svg of document.querySelectorAll("svg")) problems.push(...svgFacts(svg));
  return problems;

  function svgFacts(svg: SVGSVGElement): string[] {
    const view = svg.viewBox.baseVal;
    const [w, h] = view.width > 0
      ? [view.width, view.height]
      : [svg.width.baseVal.value, svg.height.baseVal.value];
    return [...svg.querySelectorAll("text")].flatMap((t) => {
      const b = t.getBBox();
      return b.x < -0.5 || b.y < -0.5 || b.x + b.width > w + 0.5 || b.y + b.height > h + 0.5
        ? [
          `SVG text outside its box: "${t.textContent}" at x ${b.x.toFixed(0)}..${
            (b.x + b.width).toFixed(0)
          } of ${w}`,
        ]
        : [];
    });
  }
}

/** The standalone image: its own title, no colour borrowed from the page, text inside. */
async function checkSvg(page: Page, svg: string, what: string): Promise<void> {
  if (!/^<svg[^>]*>\s*<title>[^<]+<\/title>/.test(svg)) fail(`${what}: the SVG has no title`);
  if (/currentColor/.test(svg)) fail(`${what}: the SVG takes its colours from the page`);
  await page.setContent(`<!doctype html><body style="margin:0;background:#111">${svg}</body>`);
  const problems = await page.evaluate(`(${layoutFacts})()`) as string[];
  for (const p of problems) fail(`${what} (image/svg+xml): ${p}`);
}

const notebooks = new Map<string, Notebook>();
for (const name of sources) {
  notebooks.set(name, JSON.parse(await Deno.readTextFile(`${WORK}/executed/${name}`)));
}

await timed("layout in Chromium (2 themes × 2 widths)", async () => {
  const page = await browser.newPage();
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const name of sources) {
        const html = `${WORK}/${theme}/${name.replace(/\.ipynb$/, ".html")}`;
        await page.goto(`file://${html}`, { waitUntil: "load" });
        const problems = await page.evaluate(`(${layoutFacts})()`) as string[];
        for (const p of problems) fail(`${name}, ${theme}, ${width} px: ${p}`);
      }
    }
  }
  for (const [name, notebook] of notebooks) {
    for (const [c, cell] of notebook.cells.entries()) {
      for (const output of cell.outputs ?? []) {
        const svg = output.data?.["image/svg+xml"];
        if (svg !== undefined) await checkSvg(page, text(svg), `${name} cell ${c}`);
      }
    }
  }
  await page.close();
});

await timed("sanitized, without JavaScript", async () => {
  const context = await chrome.newContext({ javaScriptEnabled: false });
  await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());
  const page = await context.newPage();
  for (const [name, notebook] of notebooks) {
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto(`file://${WORK}/sanitized/${name.replace(/\.ipynb$/, ".html")}`);
    const rendered = await page.evaluate(() =>
      [...document.querySelectorAll(".jp-Cell")].map((cell) =>
        [...cell.querySelectorAll<HTMLElement>('.jp-OutputArea-output[data-mime-type="text/html"]')]
          .map((o) => o.innerText)
      )
    );
    for (const [c, cell] of notebook.cells.entries()) {
      const bundles = (cell.outputs ?? []).filter((o) => o.data?.["text/html"] !== undefined);
      bundles.forEach((output, i) => {
        const shown = rendered[c]?.[i];
        if (shown === undefined) {
          return fail(`${name} cell ${c}: output ${i} missing when sanitized`);
        }
        for (const p of sanitizedWords(text(output.data!["text/plain"]), shown)) {
          fail(`${name} cell ${c}, sanitized: ${p}`);
        }
      });
    }
  }
  await context.close();
});

await timed("render notebooks/quickstart.png", async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.goto(`file://${WORK}/light/quickstart.html`);
  const clip = await page.evaluate(() => {
    const cells = [...document.querySelectorAll(".jp-Cell")];
    const start = cells.findIndex((c) => /^\s*Persistent sampling/.test(c.textContent ?? ""));
    const chart = cells.findIndex((c) => (c.textContent ?? "").includes("answerChart(hundred"));
    const end = cells.findIndex((c, i) => i > chart && /^\s*batched;/m.test(c.textContent ?? ""));
    if (start < 0 || chart < 0 || end < 0) return undefined;
    const top = cells[start]!.getBoundingClientRect().top + globalThis.scrollY;
    const bottom = cells[end]!.getBoundingClientRect().bottom + globalThis.scrollY;
    return {
      x: 0,
      y: top - 8,
      width: document.documentElement.clientWidth,
      height: bottom - top + 16,
    };
  });
  if (clip === undefined) {
    fail(
      "quickstart.png: the section from Persistent sampling to the chart is not in the notebook",
    );
    return;
  }
  const png = await page.screenshot({ clip, fullPage: true });
  const digest = await notebookDigest(`${ROOT}notebooks/quickstart.ipynb`);
  const image = withTextChunk(new Uint8Array(png), digest);
  await Deno.writeFile(`${WORK}/quickstart.png`, image);
  if (update) {
    await Deno.writeFile(`${ROOT}notebooks/quickstart.png`, image);
    console.log(`wrote notebooks/quickstart.png (${clip.width}×${Math.round(clip.height)} px)`);
  }
  await page.close();
});

await chrome.close();

if (failures.length > 0) {
  console.error(`\nbrowser check: ${failures.length} problems\n- ${failures.join("\n- ")}`);
  Deno.exit(1);
}
console.log(`browser check: ${sources.length} notebooks passed`);
