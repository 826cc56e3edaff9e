"""A ranked outline of the workspace that fits a token budget, for the agent's prompt.

Files form a graph: an edge runs from a file that *uses* a name to each file that
*defines* it.  PageRank over that graph (plain numpy power iteration) finds the files
everything else leans on; personalising the teleport vector towards the focus files and
the files defining the query's identifiers tilts the map towards the task at hand.
Within a file, definitions are ordered by how much the rest of the code refers to them.
The map prints each chosen definition's first source line, indented by nesting:

    pkg/parser.py:
      class Parser:
        def parse(self, text):

The budget is approximate: about four characters per token.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class MapDefinition:
    path: str
    name: str
    qualified: str
    kind: str
    start_line: int


def pagerank(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    *,
    personalization: np.ndarray | None = None,
    damping: float = 0.85,
    iterations: int = 100,
    tolerance: float = 1e-10,
) -> np.ndarray:
    """PageRank by power iteration; dangling nodes teleport by ``personalization``."""
    if n == 0:
        return np.zeros(0)
    teleport = np.full(n, 1.0 / n) if personalization is None else personalization.astype(float)
    teleport = teleport / teleport.sum()
    src_list, dst_list, w_list = [], [], []
    for s, d, w in edges:
        src_list.append(s)
        dst_list.append(d)
        w_list.append(w)
    src = np.asarray(src_list, dtype=np.int64)
    dst = np.asarray(dst_list, dtype=np.int64)
    weight = np.asarray(w_list, dtype=float)
    out_weight = np.bincount(src, weights=weight, minlength=n) if len(src) else np.zeros(n)
    share = weight / out_weight[src] if len(src) else weight
    dangling = out_weight == 0
    rank: np.ndarray = teleport.copy()
    for _ in range(iterations):
        flow = np.bincount(dst, weights=rank[src] * share, minlength=n) if len(src) else 0.0
        new: np.ndarray = (
            damping * (flow + rank[dangling].sum() * teleport) + (1 - damping) * teleport
        )
        if np.abs(new - rank).sum() < tolerance:
            rank = new
            break
        rank = new
    return rank


def rank_definitions(
    definitions: Sequence[MapDefinition],
    references: Sequence[tuple[str, str, int]],  # (path, name, occurrences)
    *,
    focus: Sequence[str] = (),
    query_names: Sequence[str] = (),
) -> list[tuple[MapDefinition, float]]:
    """Definitions with scores, best first."""
    paths = sorted({d.path for d in definitions} | {r[0] for r in references} | set(focus))
    index = {p: i for i, p in enumerate(paths)}
    definers: dict[str, set[str]] = defaultdict(set)
    for d in definitions:
        definers[d.name].add(d.path)
    use_counts: Counter[tuple[str, str]] = Counter()
    for path, name, count in references:
        if name in definers:
            use_counts[(path, name)] += count
    edges: list[tuple[int, int, float]] = []
    for (path, name), count in use_counts.items():
        targets = definers[name] - {path}
        for target in targets:
            edges.append((index[path], index[target], math.sqrt(count) / len(targets)))
    personal = np.full(len(paths), 1.0)
    wanted = {q.lower() for q in query_names}
    boost = 20.0 * len(paths) ** 0.5
    for path in focus:
        if path in index:
            personal[index[path]] += boost
    for d in definitions:
        if d.name.lower() in wanted:
            personal[index[d.path]] += boost / 2
    file_rank = pagerank(len(paths), edges, personalization=personal)
    name_uses: Counter[str] = Counter()
    for (_path, name), count in use_counts.items():
        name_uses[name] += count
    scored = []
    for d in definitions:
        score = file_rank[index[d.path]] * (1.0 + math.log1p(name_uses[d.name]))
        if d.name.lower() in wanted:
            score *= 4
        if d.name.startswith("_"):
            score *= 0.3
        scored.append((d, float(score)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].path, pair[0].start_line))
    return scored


def render_map(
    ranked: Sequence[tuple[MapDefinition, float]],
    *,
    max_tokens: int,
    signature: Callable[[MapDefinition], str],
) -> str:
    """Greedily add the best definitions while the whole text stays within the budget."""
    budget = max_tokens * CHARS_PER_TOKEN
    chosen: dict[str, list[tuple[MapDefinition, str]]] = {}
    order: list[str] = []
    used = 0
    for definition, _score in ranked:
        depth = definition.qualified.count(".")
        line = "  " * (1 + depth) + signature(definition).strip() + "\n"
        cost = len(line) + (0 if definition.path in chosen else len(definition.path) + 2)
        if used + cost > budget:
            continue
        if definition.path not in chosen:
            chosen[definition.path] = []
            order.append(definition.path)
        chosen[definition.path].append((definition, line))
        used += cost
    out: list[str] = []
    for path in order:
        out.append(f"{path}:\n")
        for _definition, line in sorted(chosen[path], key=lambda pair: pair[0].start_line):
            out.append(line)
    return "".join(out)


def first_line_reader(
    read_lines: Callable[[str], Sequence[str] | None],
) -> Callable[[MapDefinition], str]:
    """A ``signature`` function that shows a definition's first source line."""
    cache: dict[str, Sequence[str] | None] = {}

    def signature(definition: MapDefinition) -> str:
        if definition.path not in cache:
            cache[definition.path] = read_lines(definition.path)
        lines = cache[definition.path]
        if lines and 0 < definition.start_line <= len(lines):
            text = lines[definition.start_line - 1].strip()
            if text:
                return text[:160]
        return f"{definition.kind} {definition.name}"

    return signature
