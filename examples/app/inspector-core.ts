// What the inspector page needs of the protocol core, bundled for the browser on
// first request (esbuild, a dev dependency of the examples): the annotator, the
// unmasking steps and the accept explainer, all browser-safe.
import { build } from 'esbuild';


// `switchboard/inspector`: the browser-safe part of the protocol core on its own
// (the `switchboard/protocol` entry also holds Node-only pieces).
const ENTRY = "export { annotateFrames, explainAccept, fromHex, maskSteps, toHex } from 'switchboard/inspector';";

let bundle: Promise<Buffer> | undefined;

/** The bundle as an ES module (made once per process). */
export function inspectorCoreBundle(): Promise<Buffer> {
  bundle ??= build({
    stdin: { contents: ENTRY, resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => Buffer.from(result.outputFiles[0].contents));
  bundle.catch(() => (bundle = undefined));
  return bundle;
}
