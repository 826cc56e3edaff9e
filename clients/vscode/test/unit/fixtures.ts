/** A `delegate/proposal` response in the server's shape: two modified files and a created one. */

import type { Proposal } from "../../src/protocol";

export const APP = "import time\n\ndef fetch(url):\n    return get(url)\n\n\ndef main():\n    print('start')\n";
export const UTIL = "def add(a, b):\n    return a + b\n";

export function proposal(): Proposal {
  return {
    taskId: "t-1",
    version: 1,
    versions: [1],
    folder: "file:///work/app",
    summary: "Add timeouts\nand more",
    costUsd: 0.0123,
    counts: { pending: 4 },
    openHunks: 4,
    paths: ["app.py", "util.py", "retry.py"],
    files: [
      {
        path: "app.py",
        uri: "file:///work/app/app.py",
        oldPath: null,
        op: "modify",
        base: APP,
        current: APP,
        proposed: APP.replace("get(url)", "get(url, timeout=5)").replace("'start'", "'begin'"),
        hunks: [
          hunk("0:aaaa1111", "pending", 3, "    return get(url)\n", "    return get(url, timeout=5)\n"),
          hunk("0:bbbb2222", "pending", 7, "    print('start')\n", "    print('begin')\n"),
        ],
      },
      {
        path: "util.py",
        uri: "file:///work/app/util.py",
        oldPath: null,
        op: "modify",
        base: UTIL,
        current: UTIL,
        proposed: UTIL.replace("a + b", "b + a"),
        hunks: [hunk("1:cccc3333", "pending", 1, "    return a + b\n", "    return b + a\n")],
      },
      {
        path: "retry.py",
        uri: "file:///work/app/retry.py",
        oldPath: null,
        op: "create",
        base: null,
        current: null,
        proposed: "def retry(fn):\n    return fn()\n",
        hunks: [
          {
            ...hunk("2:dddd4444", "pending", 0, "", "def retry(fn):\n    return fn()\n"),
            kind: "create",
            range: null,
          },
        ],
      },
    ],
  };
}

function hunk(id: string, state: "pending", line: number, oldText: string, newText: string) {
  return {
    id,
    kind: "lines",
    state,
    detached: false,
    comment: "",
    baseStart: line,
    baseEnd: line + 1,
    proposedStart: line,
    oldText,
    newText,
    diff: `-${oldText}+${newText}`,
    range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } },
  };
}
