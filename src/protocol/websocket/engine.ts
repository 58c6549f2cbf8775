/**
 * Which JavaScript engine runs this code, for the few places where the fast
 * choice differs by engine (measured; see docs/runtimes-benchmarks.md). Both
 * choices are correct everywhere; only their speed differs.
 *
 * JavaScriptCore (Bun, Safari) gives every Error own `line` and `sourceURL`
 * properties; V8 (Node, Deno, Chromium) and SpiderMonkey do not. Bun cannot be
 * told apart by its stack text (it imitates V8's), and a browser build should
 * not look for runtime globals such as `Bun`.
 */
export function isJavaScriptCore(probe: object): boolean {
  return typeof (probe as { line?: unknown }).line === 'number';
}

export const onJavaScriptCore: boolean = isJavaScriptCore(new Error());
