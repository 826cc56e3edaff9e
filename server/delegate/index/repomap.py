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

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np

CHARS_PER_TOKEN = 4


class MapDefinition(NamedTuple):
    """A definition as the map needs it (a tuple: a large workspace has 70k of them)."""

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
    triples = list(edges)
    src = np.array([e[0] for e in triples], dtype=np.int64)
    dst = np.array([e[1] for e in triples], dtype=np.int64)
    weight = np.array([e[2] for e in triples], dtype=float)
    return pagerank_arrays(
        n,
        src,
        dst,
        weight,
        personalization=personalization,
        damping=damping,
        iterations=iterations,
        tolerance=tolerance,
    )


def pagerank_arrays(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    *,
    personalization: np.ndarray | None = None,
    damping: float = 0.85,
    iterations: int = 100,
    tolerance: float = 1e-10,
) -> np.ndarray:
    """:func:`pagerank` with the edges as three arrays (source, target, weight)."""
    if n == 0:
        return np.zeros(0)
    teleport = np.full(n, 1.0 / n) if personalization is None else personalization.astype(float)
    teleport = teleport / teleport.sum()
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


class RepoGraph:
    """The file graph and the per-definition weights of one state of the index.

    Building it is the expensive part of a repo map (a large workspace has 70k
    definitions and a million references), and it depends only on the index, not on
    the focus or the query — so the workspace keeps one per index version and each map
    only runs the personalised PageRank and the final sort, all in numpy.

    Edges: a file that uses a name points to every *other* file defining it, with weight
    ``sqrt(uses) / number of those files``; edges between the same two files add up.
    """

    def __init__(
        self,
        definitions: Sequence[MapDefinition],
        references: Sequence[tuple[str, str, int]],  # (path, name, occurrences)
    ) -> None:
        self.definitions = list(definitions)
        self.paths = sorted({d.path for d in definitions} | {r[0] for r in references})
        self.path_index = {p: i for i, p in enumerate(self.paths)}
        names = sorted({d.name for d in definitions})
        name_index = {name: i for i, name in enumerate(names)}
        n_paths, n_names = len(self.paths), max(len(names), 1)
        path_of, name_of = self.path_index.__getitem__, name_index.__getitem__
        self.def_path = np.array([path_of(d.path) for d in definitions], dtype=np.int64)
        def_name = np.array([name_of(d.name) for d in definitions], dtype=np.int64)
        self.def_line = np.array([d.start_line for d in definitions], dtype=np.int64)
        lower_index: dict[str, int] = {}
        self.def_lower = np.array(
            [lower_index.setdefault(d.name.lower(), len(lower_index)) for d in definitions],
            dtype=np.int64,
        )
        self.lower_index = lower_index
        used = [r for r in references if r[1] in name_index]
        ref_path = np.array([path_of(r[0]) for r in used], dtype=np.int64)
        ref_name = np.array([name_of(r[1]) for r in used], dtype=np.int64)
        ref_count = np.array([r[2] for r in used], dtype=float)
        # uses of each defined name per file, summed over duplicate rows
        use_keys, inverse = np.unique(ref_name * n_paths + ref_path, return_inverse=True)
        use_count = np.bincount(inverse, weights=ref_count, minlength=len(use_keys))
        use_name, use_path = use_keys // n_paths, use_keys % n_paths
        name_uses = np.bincount(use_name, weights=use_count, minlength=n_names)
        # (name, defining file) pairs, sorted by name: each name's definers are one block
        def_keys = np.unique(def_name * n_paths + self.def_path)
        definers = np.bincount(def_keys // n_paths, minlength=n_names)
        block_start = np.searchsorted(def_keys, np.arange(n_names) * n_paths)
        defines_itself = np.isin(use_keys, def_keys)
        targets = definers[use_name] - defines_itself
        keep = targets > 0
        use_name, use_path, use_count, targets = (
            use_name[keep],
            use_path[keep],
            use_count[keep],
            targets[keep],
        )
        block = definers[use_name]
        offsets = np.arange(int(block.sum())) - np.repeat(np.cumsum(block) - block, block)
        dst = def_keys[np.repeat(block_start[use_name], block) + offsets] % n_paths
        src = np.repeat(use_path, block)
        weight = np.repeat(np.sqrt(use_count) / targets, block)
        other = dst != src
        edge_keys, inverse = np.unique(src[other] * n_paths + dst[other], return_inverse=True)
        self.edge_weight = np.bincount(inverse, weights=weight[other], minlength=len(edge_keys))
        self.edge_src, self.edge_dst = edge_keys // n_paths, edge_keys % n_paths
        private = np.array([d.name.startswith("_") for d in definitions], dtype=bool)
        self.def_weight = (1.0 + np.log1p(name_uses[def_name])) * np.where(private, 0.3, 1.0)

    def rank(
        self, *, focus: Sequence[str] = (), query_names: Sequence[str] = ()
    ) -> list[tuple[MapDefinition, float]]:
        """Definitions with scores, best first (ties: by path, then line)."""
        # focus files the graph does not know still count as (isolated) nodes
        unknown = [p for p in dict.fromkeys(focus) if p not in self.path_index]
        node = {p: len(self.paths) + i for i, p in enumerate(unknown)} | self.path_index
        n = len(self.paths) + len(unknown)
        personal = np.full(n, 1.0)
        boost = 20.0 * n**0.5
        for path in focus:
            personal[node[path]] += boost
        wanted = [
            self.lower_index[q] for q in {q.lower() for q in query_names} if q in self.lower_index
        ]
        asked = np.isin(self.def_lower, wanted) if wanted else np.zeros(len(self.def_lower), bool)
        np.add.at(personal, self.def_path[asked], boost / 2)
        file_rank = pagerank_arrays(
            n, self.edge_src, self.edge_dst, self.edge_weight, personalization=personal
        )
        score = file_rank[self.def_path] * self.def_weight * np.where(asked, 4.0, 1.0)
        order = np.lexsort((self.def_line, self.def_path, -score))
        definitions = self.definitions
        return [(definitions[i], float(score[i])) for i in order.tolist()]


def rank_definitions(
    definitions: Sequence[MapDefinition],
    references: Sequence[tuple[str, str, int]],  # (path, name, occurrences)
    *,
    focus: Sequence[str] = (),
    query_names: Sequence[str] = (),
) -> list[tuple[MapDefinition, float]]:
    """Definitions with scores, best first (see :class:`RepoGraph`)."""
    return RepoGraph(definitions, references).rank(focus=focus, query_names=query_names)


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
        if budget - used < 4:  # no line (indent, one character, newline) fits any more
            break
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
