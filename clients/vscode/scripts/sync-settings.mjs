// Copies the defaults and descriptions of docs/settings.md into package.json's contributed
// settings (same keys, in the table's order). A setting that is new in the table needs its
// JSON type written by hand first: the script names it and exits non-zero.
import { readFileSync, writeFileSync } from "node:fs";

const rows = [];
for (const line of readFileSync("../../docs/settings.md", "utf8").split("\n")) {
  const match = /^\| `[a-z_.]+` \| `(delegate\.[A-Za-z.]+)` \| `(.*?)` \| (.*) \|$/.exec(line);
  if (match) {
    rows.push({ key: match[1], value: match[2] === "see below" ? {} : JSON.parse(match[2]), description: match[3] });
  }
}
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const old = pkg.contributes.configuration.properties;
const properties = Object.fromEntries(Object.entries(old).filter(([key]) => key.startsWith("delegate.server.")));
const untyped = [];
for (const row of rows) {
  if (!old[row.key]) {
    untyped.push(row.key);
    continue;
  }
  const { default: _default, markdownDescription: _description, ...shape } = old[row.key];
  properties[row.key] = { ...shape, default: row.value, markdownDescription: row.description };
}
pkg.contributes.configuration.properties = properties;
writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
if (untyped.length > 0) {
  console.error(`add these to package.json with their type, then run again: ${untyped.join(", ")}`);
  process.exit(1);
}
