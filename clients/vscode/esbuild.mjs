// Bundles the extension with esbuild; --unit bundles the unit tests (vscode → the stub), --e2e the end-to-end runner.
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const production = process.argv.includes("--production");
const unit = process.argv.includes("--unit");
const e2e = process.argv.includes("--e2e");

const common = { bundle: true, platform: "node", target: "node20", sourcemap: !production, logLevel: "warning" };

if (unit) {
  await esbuild.build({
    ...common,
    entryPoints: readdirSync("test/unit").filter((f) => f.endsWith(".test.ts")).map((f) => `test/unit/${f}`),
    outdir: "out/unit",
    format: "cjs",
    // the pure modules never import vscode; the few tests that need it get the stub
    alias: { vscode: "./test/unit/vscodeStub.ts" },
  });
} else if (e2e) {
  await esbuild.build({
    ...common,
    entryPoints: ["test/e2e/run.ts"],
    outfile: "out/e2e/run.js",
    format: "cjs",
    external: ["playwright-core"],
  });
} else {
  await esbuild.build({
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    format: "cjs",
    external: ["vscode"],
    minify: production,
  });
}
