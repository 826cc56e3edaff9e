/**
 * The scripted task of the end-to-end test: a fixture workspace (app.py, util.py), the fake
 * model's turns for a change to both files plus a created retry.py, and the bytes expected on
 * disk after the review (one app.py hunk accepted, the other left pending, the util.py hunk
 * rejected, retry.py accepted, a line typed at the top of app.py meanwhile).
 */

export const APP = "import time\n\ndef fetch(url):\n    return get(url)\n\n\ndef main():\n    print('start')\n";
export const UTIL = "def add(a, b):\n    return a + b\n";
export const RETRY = "def retry(fn, times=3):\n    for _ in range(times - 1):\n        try:\n            return fn()\n        except OSError:\n            pass\n    return fn()\n";
export const TYPED = "# reviewed in VS Code\n";
export const APP_AFTER = TYPED + APP.replace("get(url)", "get(url, timeout=5)");
export const TASK_TEXT = "add a timeout to fetch and a retry helper";
export const SUMMARY = "fetch gets a timeout; retry() helper";

let ids = 0;

function tool(name: string, input: Record<string, unknown>): Record<string, unknown> {
  ids += 1;
  return { type: "tool_use", id: `toolu_vscode_e2e_${String(ids).padStart(3, "0")}`, name, input };
}

function edit(file: string, oldStr: string, newStr: string): Record<string, unknown> {
  return tool("str_replace_based_edit_tool", { command: "str_replace", path: file, old_str: oldStr, new_str: newStr });
}

const text = (value: string): Record<string, unknown> => ({ type: "text", text: value });

/** One item per model request: planner, coder turns, finish, verifier; then an outage. */
export function fakeModelScript(): Array<Record<string, unknown>> {
  return [
    { content: [text("Plan: pass a timeout in fetch, start main with 'begin', flip add, add retry.py")] },
    { content: [edit("app.py", "return get(url)", "return get(url, timeout=5)")] },
    { content: [edit("app.py", "print('start')", "print('begin')")] },
    { content: [edit("util.py", "return a + b", "return b + a")] },
    { content: [tool("str_replace_based_edit_tool", { command: "create", path: "retry.py", file_text: RETRY })] },
    { content: [tool("finish", { summary: SUMMARY })] },
    { content: [text('{"approved": true, "notes": []}')] },
    // the next task's first request: the model is overloaded (no retries are configured)
    { fail: 529 },
  ];
}
