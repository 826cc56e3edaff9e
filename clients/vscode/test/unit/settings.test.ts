import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { launchSettings, serverSection } from "../../src/settings";

test("the server gets its own settings only, without nulls", () => {
  const section = {
    api: { model: "m", baseUrl: null, prices: {} },
    budget: { maxIterations: 6 },
    tests: { command: null },
    server: { path: "/x/delegate", args: ["serve"], env: {} },
    logLevel: "debug",
  };
  assert.deepEqual(serverSection(section), { api: { model: "m" }, budget: { maxIterations: 6 }, logLevel: "debug" });
  assert.deepEqual(serverSection(undefined), {});
  assert.deepEqual(serverSection([1]), {});
});

test("launch settings of the wrong type fall back to the defaults", () => {
  assert.deepEqual(launchSettings({ path: " /x/delegate ", args: ["-v", "serve"], env: { A: "1", B: 2 } }), {
    path: "/x/delegate",
    args: ["-v", "serve"],
    env: { A: "1" },
  });
  assert.deepEqual(launchSettings({ path: 3, args: "serve", env: [] }), { path: "", args: ["serve"], env: {} });
});

interface Row {
  key: string;
  default: string;
  description: string;
}

function documented(): Row[] {
  const doc = readFileSync("../../docs/settings.md", "utf8");
  const rows: Row[] = [];
  for (const line of doc.split("\n")) {
    const match = /^\| `[a-z_.]+` \| `(delegate\.[A-Za-z.]+)` \| `(.*?)` \| (.*) \|$/.exec(line);
    if (match) {
      rows.push({ key: match[1], default: match[2], description: match[3] });
    }
  }
  return rows;
}

test("package.json contributes every documented setting with its default and description", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  const properties: Record<string, { default: unknown; markdownDescription?: string; description?: string }> =
    pkg.contributes.configuration.properties;
  const rows = documented();
  assert.ok(rows.length >= 20, `only ${rows.length} settings found in docs/settings.md`);
  for (const row of rows) {
    const contributed = properties[row.key];
    assert.ok(contributed, `${row.key} is documented but not contributed (give it a type in package.json, then npm run sync-settings)`);
    // "see below": a table merged over the built-in one; nothing given is an empty object
    const expected = row.default === "see below" ? {} : JSON.parse(row.default);
    assert.deepEqual(contributed.default, expected, `default of ${row.key} (npm run sync-settings)`);
    assert.equal(contributed.markdownDescription ?? contributed.description, row.description, `description of ${row.key} (npm run sync-settings)`);
  }
  const clientOnly = Object.keys(properties).filter((key) => !rows.some((row) => row.key === key));
  assert.deepEqual(clientOnly.sort(), ["delegate.server.args", "delegate.server.env", "delegate.server.path"]);
  for (const key of clientOnly) {
    assert.ok(properties[key].markdownDescription, `${key} has no description`);
  }
});
