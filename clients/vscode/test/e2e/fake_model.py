"""The fake Messages API for the VS Code end-to-end test: tests/fakes/fake_anthropic.py serving
the replies of a JSON script (written by scenario.ts), where an item ``{"fail": 529}`` is an
HTTP failure instead of a reply. Prints ``ANTHROPIC_BASE_URL=…`` and serves until killed."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from tests.fakes.fake_anthropic import Fail, FakeAnthropic, Reply


def turn(item: dict[str, Any]) -> Reply | Fail:
    if "fail" in item:
        return Fail(int(item["fail"]), retry_after_ms=None)
    return Reply(list(item["content"]), item.get("stop_reason"))


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        turns = [turn(item) for item in json.load(handle)]
    fake = FakeAnthropic(turns).start()
    print(f"ANTHROPIC_BASE_URL={fake.base_url}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
