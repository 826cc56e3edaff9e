"""Repo map: PageRank, ranking by the reference graph, token budget, focus and query."""

from __future__ import annotations

import numpy as np

from delegate.index.repomap import (
    CHARS_PER_TOKEN,
    MapDefinition,
    first_line_reader,
    pagerank,
    rank_definitions,
    render_map,
)


def test_pagerank_sums_to_one_and_favours_the_target_of_many_edges() -> None:
    edges = [(1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0), (0, 1, 1.0)]
    rank = pagerank(4, edges)
    assert np.isclose(rank.sum(), 1.0)
    assert rank.argmax() == 0
    assert rank[1] > rank[2]  # node 1 receives node 0's whole rank


def test_pagerank_personalization_tilts_towards_chosen_nodes() -> None:
    plain = pagerank(3, [])
    tilted = pagerank(3, [], personalization=np.array([0.0, 0.0, 1.0]))
    assert np.allclose(plain, 1 / 3)
    assert tilted.argmax() == 2


def d(
    path: str, name: str, line: int = 1, qualified: str = "", kind: str = "function"
) -> MapDefinition:
    return MapDefinition(path, name, qualified or name, kind, line)


def workspace() -> tuple[list[MapDefinition], list[tuple[str, str, int]]]:
    definitions = [
        d("core/models.py", "Model", 1, kind="class"),
        d("core/models.py", "save", 5, "Model.save", kind="method"),
        d("leaf/script.py", "main", 1),
        d("leaf/other.py", "helper_tool", 1),
    ] + [d(f"app/view{i}.py", f"view{i}") for i in range(6)]
    references = [(f"app/view{i}.py", "Model", 1) for i in range(6)]
    references += [(f"app/view{i}.py", "save", 2) for i in range(6)]
    references += [("leaf/script.py", "view0", 1)]
    return definitions, references


def names(ranked: list[tuple[MapDefinition, float]]) -> list[str]:
    return [dfn.name for dfn, _ in ranked]


def test_heavily_referenced_module_ranks_above_a_leaf() -> None:
    ranked = names(rank_definitions(*workspace()))
    assert ranked.index("Model") < ranked.index("main")
    assert ranked.index("save") < ranked.index("helper_tool")


def test_focus_and_query_pull_definitions_up() -> None:
    definitions, references = workspace()
    plain = names(rank_definitions(definitions, references))
    focused = names(rank_definitions(definitions, references, focus=["leaf/other.py"]))
    asked = names(rank_definitions(definitions, references, query_names=["helper_tool"]))
    assert focused.index("helper_tool") < plain.index("helper_tool")
    assert focused[0] == "helper_tool" or asked[0] == "helper_tool"
    assert asked.index("helper_tool") < plain.index("helper_tool")


def signature(definition: MapDefinition) -> str:
    prefix = "class" if definition.kind == "class" else "def"
    return f"{prefix} {definition.name}():"


def test_render_nests_methods_and_respects_the_budget() -> None:
    ranked = rank_definitions(*workspace())
    full = render_map(ranked, max_tokens=10_000, signature=signature)
    assert "core/models.py:\n  class Model():\n    def save():\n" in full
    for budget in (10, 25, 60):
        text = render_map(ranked, max_tokens=budget, signature=signature)
        assert len(text) <= budget * CHARS_PER_TOKEN
    small = render_map(ranked, max_tokens=25, signature=signature)
    assert "Model" in small and "helper_tool" not in small


def test_first_line_reader_falls_back_to_kind_and_name() -> None:
    lines = {"a.py": ["", "    def run(self, x):  ", "        pass"]}
    read = first_line_reader(lines.get)
    assert read(d("a.py", "run", 2)) == "def run(self, x):"
    assert read(d("a.py", "gone", 9)) == "function gone"
    assert read(d("missing.py", "x", 1)) == "function x"


def test_graph_ranks_like_the_plain_definition_of_the_edges() -> None:
    """RepoGraph's numpy edges: a user of a name points to each *other* definer with
    weight sqrt(uses) / number of other definers; edges between two files add up."""
    definitions = [
        d("a.py", "shared", 1),
        d("b.py", "shared", 1),
        d("b.py", "only_b", 5),
        d("c.py", "caller", 1),
    ]
    references = [("c.py", "shared", 4), ("c.py", "only_b", 1), ("a.py", "shared", 9)]
    paths = ["a.py", "b.py", "c.py"]
    # c -> a: sqrt(4)/2, c -> b: sqrt(4)/2 + sqrt(1)/1, a -> b: sqrt(9)/1 (a defines it too)
    edges = [(2, 0, 1.0), (2, 1, 2.0), (0, 1, 3.0)]
    personal = np.array([1.0, 1.0, 1.0 + 20.0 * 3**0.5])
    expected = pagerank(3, edges, personalization=personal)
    ranked = rank_definitions(definitions, references, focus=["c.py"])
    scores = {(dfn.path, dfn.name): score for dfn, score in ranked}
    uses = {"shared": 13, "only_b": 1, "caller": 0}
    for (path, name), score in scores.items():
        want = expected[paths.index(path)] * (1 + np.log1p(uses[name]))
        assert np.isclose(score, want), (path, name)
