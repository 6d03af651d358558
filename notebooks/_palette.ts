// One meaning per colour, in every view, each with a mark that says the same
// without colour (for colour-blind readers, and for renders that strip
// styles). Hues come from the Okabe–Ito and Tol palettes: blue and orange stay
// apart under deuteranopia, and every hue is mid-tone, so it reads on light
// and dark themes alike.

/** What a colour stands for. */
export type Meaning = "cache" | "fresh" | "pass" | "fail" | "stopped" | "count";

/** How a meaning is shown: its colour, the ink on it, its mark and its words. */
export interface Swatch {
  /** The fill or edge colour. */
  readonly colour: string;
  /** Text colour on a fill of `colour`. */
  readonly ink: string;
  /** The mark shown beside the colour (plain text keeps it too). */
  readonly mark: string;
  /** What a legend calls it. */
  readonly label: string;
}

/** Every meaning's swatch. */
export const SWATCH: Readonly<Record<Meaning, Swatch>> = {
  cache: { colour: "#3f7fcf", ink: "#ffffff", mark: "↺", label: "from cache" },
  fresh: { colour: "#e69f00", ink: "#000000", mark: "*", label: "fresh" },
  pass: { colour: "#228833", ink: "#ffffff", mark: "✓", label: "passed" },
  fail: { colour: "#aa3377", ink: "#ffffff", mark: "✗", label: "failed" },
  stopped: { colour: "#8a8f98", ink: "#000000", mark: "■", label: "stopped" },
  count: { colour: "#7a6fb0", ink: "#ffffff", mark: "", label: "samples" },
};

/** Bars and marks of nothing in particular ("other", "no answer"): grey. */
export const NEUTRAL = "#9aa0a6";
