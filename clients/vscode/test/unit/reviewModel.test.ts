import assert from "node:assert/strict";
import { test } from "node:test";

import {
  offsetAt,
  openCounts,
  parseProposalUri,
  pendingRanges,
  proposalUri,
  proposedText,
  reviewEntries,
  reviewTitle,
  sideText,
} from "../../src/reviewModel";
import { APP, proposal } from "./fixtures";

test("the right side is the current text with every pending hunk at its place", () => {
  const app = proposal().files[0];
  assert.equal(proposedText(app), app.proposed);
  assert.equal(sideText(app, "current"), APP);
});

test("a decided hunk leaves the right side; the user's typing moves the others", () => {
  const app = proposal().files[0];
  app.hunks[0].state = "applied";
  app.hunks[0].range = null;
  assert.equal(proposedText(app), APP.replace("'start'", "'begin'"));
  // two lines typed at the top: the server reports the hunk two lines lower
  app.current = "# a\n# b\n" + APP;
  app.hunks[1].range = { start: { line: 9, character: 0 }, end: { line: 10, character: 0 } };
  assert.equal(proposedText(app), "# a\n# b\n" + APP.replace("'start'", "'begin'"));
});

test("a created file is empty on the left and the agent's text on the right until decided", () => {
  const created = proposal().files[2];
  assert.equal(sideText(created, "current"), "");
  assert.equal(sideText(created, "proposed"), "def retry(fn):\n    return fn()\n");
  created.hunks[0].state = "rejected";
  assert.equal(sideText(created, "proposed"), "");
});

test("a deleted file is its text on the left and empty on the right", () => {
  const file = { ...proposal().files[1], op: "delete" as const, proposed: null };
  assert.equal(sideText(file, "proposed"), "");
  assert.equal(sideText(file, "current"), file.current);
});

test("offsets count LSP lines split on CRLF, CR and LF, columns in UTF-16", () => {
  const text = "a\r\nb\rc\n🎉x\n";
  assert.equal(offsetAt(text, { line: 1, character: 0 }), 3);
  assert.equal(offsetAt(text, { line: 2, character: 0 }), 5);
  assert.equal(text.slice(offsetAt(text, { line: 3, character: 2 })), "x\n");
  assert.equal(offsetAt(text, { line: 9, character: 0 }), text.length);
});

test("virtual document URIs round-trip and keep the file name", () => {
  const parts = proposalUri({ taskId: "t-1", path: "src/app.py", side: "proposed" });
  assert.deepEqual(parts, { scheme: "delegate-proposal", path: "/t-1/src/app.py", query: "side=proposed" });
  assert.deepEqual(parseProposalUri(parts.path, parts.query), { taskId: "t-1", path: "src/app.py", side: "proposed" });
  assert.equal(parseProposalUri("/t-1/app.py", "side=sideways"), undefined);
  assert.equal(parseProposalUri("nothing", "side=current"), undefined);
});

test("the review lists files with open hunks first, each with both sides", () => {
  const data = proposal();
  data.files[0].hunks.forEach((h) => (h.state = "applied"));
  const entries = reviewEntries(data);
  assert.deepEqual(entries.map((e) => e.path), ["util.py", "retry.py", "app.py"]);
  assert.equal(entries[0].fileUri, "file:///work/app/util.py");
  assert.deepEqual(entries[0].left, { taskId: "t-1", path: "util.py", side: "current" });
  assert.equal(reviewTitle(data), "Delegate: Add timeouts");
  assert.deepEqual(openCounts(data), { hunks: 2, files: 2 });
});

test("pending regions mark whole lines; insertions mark the line they go before", () => {
  const app = proposal().files[0];
  assert.deepEqual(pendingRanges(app), [
    { hunkId: "0:aaaa1111", startLine: 3, endLine: 3 },
    { hunkId: "0:bbbb2222", startLine: 7, endLine: 7 },
  ]);
  app.hunks[0].range = { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } };
  app.hunks[1].state = "conflicted";
  assert.deepEqual(pendingRanges(app), [{ hunkId: "0:aaaa1111", startLine: 2, endLine: 2 }]);
});
