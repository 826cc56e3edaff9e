"""The review's pure parts: ranges in each encoding, edits per client, lenses and actions."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from delegate.lsp.review.edits import (
    Annotation,
    EditSupport,
    FileEdit,
    UnsupportedEdit,
    edit_support,
    lsp_text_edits,
    workspace_edit,
)
from delegate.lsp.review.lenses import code_actions, code_lenses, diagnostics, reviews_for
from delegate.lsp.review.protocol import encoding_of, hunk_diff, lines_range_json
from delegate.proposals import FileChange, accept, build_proposal
from delegate.proposals.positions import PositionEncoding, TextEdit, apply_edits, from_encoding

EMOJI_TAIL = "a = 1\nb = 2\nmsg = 'ok 🎉 done'"  # no final newline


@pytest.mark.parametrize(
    ("text", "start", "end", "encoding", "expected"),
    [
        ("a\nb\nc\n", 1, 2, "utf-16", ((1, 0), (2, 0))),
        ("a\nb\nc\n", 3, 3, "utf-16", ((3, 0), (3, 0))),  # insertion at the end
        (EMOJI_TAIL, 2, 3, "utf-16", ((2, 0), (2, 18))),  # 🎉 is two UTF-16 units
        (EMOJI_TAIL, 2, 3, "utf-8", ((2, 0), (2, 20))),  # and four UTF-8 bytes
        (EMOJI_TAIL, 2, 3, "utf-32", ((2, 0), (2, 17))),
        (EMOJI_TAIL, 3, 3, "utf-8", ((2, 20), (2, 20))),  # past the last line: its end
        ("x\r\ny\r\n", 0, 1, "utf-16", ((0, 0), (1, 0))),
    ],
)
def test_line_ranges_in_each_encoding(
    text: str,
    start: int,
    end: int,
    encoding: PositionEncoding,
    expected: tuple[tuple[int, int], tuple[int, int]],
) -> None:
    rng = lines_range_json(text, start, end, encoding)
    got = (
        (rng["start"]["line"], rng["start"]["character"]),
        (rng["end"]["line"], rng["end"]["character"]),
    )
    assert got == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(types.PositionEncodingKind.Utf8, "utf-8"), ("utf-32", "utf-32"), (None, "utf-16")],
)
def test_negotiated_encoding_names(value: object, expected: str) -> None:
    assert encoding_of(value) == expected


def proposal_of(*changes: FileChange) -> object:
    return build_proposal("t1", list(changes), summary="Add retries\nmore", created_at="x")


BASE = "one\ntwo\nthree\nfour\n"
PROPOSED = "ONE\ntwo\nthree\nFOUR\n"


def test_edit_support_from_real_client_presets() -> None:
    vscode = edit_support(client_capabilities("visual-studio-code"))
    neovim = edit_support(client_capabilities("neovim"))
    assert vscode.document_changes and vscode.change_annotations
    assert vscode.resource_operations == {"create", "rename", "delete"}
    assert neovim.uses_document_changes and not neovim.change_annotations


def test_open_documents_get_versioned_edits_and_creates_come_first() -> None:
    proposal = build_proposal(
        "t1", [FileChange("a.py", BASE, PROPOSED), FileChange("n.py", None, "new 🎉\n")]
    )
    plans = [accept(proposal, "a.py", None, BASE), accept(proposal, "n.py", None, None)]
    files = [
        FileEdit(plans[0], "file:///w/a.py", "file:///w/a.py", 7),
        FileEdit(plans[1], "file:///w/n.py", "file:///w/n.py", None),
    ]
    support = EditSupport(document_changes=True, resource_operations=frozenset({"create"}))
    edit = workspace_edit(files, support, "utf-16")
    changes = list(edit.document_changes or [])
    assert [type(c).__name__ for c in changes] == [
        "TextDocumentEdit",
        "CreateFile",
        "TextDocumentEdit",
    ]
    first, create, fill = changes
    assert isinstance(first, types.TextDocumentEdit) and first.text_document.version == 7
    assert [(e.range.start.line, e.new_text) for e in first.edits] == [(0, "ONE\n"), (3, "FOUR\n")]
    assert isinstance(create, types.CreateFile) and create.uri == "file:///w/n.py"
    assert isinstance(fill, types.TextDocumentEdit) and fill.text_document.version is None
    assert edit.change_annotations is None


def test_clients_without_resource_operations_get_plain_changes_or_a_refusal() -> None:
    proposal = build_proposal(
        "t1", [FileChange("a.py", BASE, PROPOSED), FileChange("n.py", None, "x\n")]
    )
    modify = FileEdit(accept(proposal, "a.py", None, BASE), "file:///w/a.py", "file:///w/a.py", 3)
    create = FileEdit(
        accept(proposal, "n.py", None, None), "file:///w/n.py", "file:///w/n.py", None
    )
    plain = workspace_edit([modify], EditSupport(), "utf-16")
    assert plain.document_changes is None and set(plain.changes or {}) == {"file:///w/a.py"}
    with pytest.raises(UnsupportedEdit, match="cannot create files"):
        workspace_edit([modify, create], EditSupport(), "utf-16")
    with pytest.raises(UnsupportedEdit, match="lacks 'create'"):
        workspace_edit([create], EditSupport(document_changes=True), "utf-16")


def test_preview_annotates_every_change_only_when_the_client_supports_it() -> None:
    proposal = build_proposal("t1", [FileChange("a.py", BASE, PROPOSED)])
    files = [FileEdit(accept(proposal, "a.py", None, BASE), "file:///w/a.py", "file:///w/a.py", 1)]
    notes = {"a.py": Annotation("Delegate: add retries", "a.py")}
    full = EditSupport(document_changes=True, change_annotations=True)
    edit = workspace_edit(files, full, "utf-16", notes)
    (doc,) = edit.document_changes or []
    assert isinstance(doc, types.TextDocumentEdit)
    assert all(isinstance(e, types.AnnotatedTextEdit) for e in doc.edits)
    annotation = (edit.change_annotations or {})["delegate:a.py"]
    assert annotation.needs_confirmation is True and annotation.label == "Delegate: add retries"
    without = workspace_edit(files, EditSupport(document_changes=True), "utf-16", notes)
    assert without.change_annotations is None


def test_emoji_column_of_an_edit_at_the_end_of_the_text() -> None:
    proposal = build_proposal("t1", [FileChange("a.py", EMOJI_TAIL, EMOJI_TAIL + "!\n")])
    plan = accept(proposal, "a.py", None, EMOJI_TAIL)
    support = EditSupport(document_changes=True)
    ends = {}
    for encoding in ("utf-8", "utf-16"):
        edit = workspace_edit([FileEdit(plan, "u", "u", 1)], support, encoding)  # type: ignore[arg-type]
        (doc,) = edit.document_changes or []
        assert isinstance(doc, types.TextDocumentEdit)
        ends[encoding] = doc.edits[-1].range.end.character
    assert ends == {"utf-8": 20, "utf-16": 18}


def test_lenses_diagnostics_and_actions_follow_the_current_text() -> None:
    proposal = build_proposal("t1", [FileChange("a.py", BASE, PROPOSED)], summary="Add retries\n…")
    text = BASE.replace("two\n", "two\nextra\n")  # the user inserted a line in between
    reviews = reviews_for([proposal], "a.py", text)
    lenses = code_lenses("file:///w/a.py", text, reviews)
    titles = [(lens.range.start.line, lens.command.title) for lens in lenses if lens.command]
    assert titles == [
        (0, "Accept file (2 hunks)"),
        (0, "Reject file"),
        (0, "Accept"),
        (0, "Reject"),
        (0, "Diff"),
        (4, "Accept"),
        (4, "Reject"),
        (4, "Diff"),
    ]
    found = diagnostics(text, reviews, "utf-16")
    assert [d.range.start.line for d in found] == [0, 4]
    assert {d.message for d in found} == {"Delegate proposal: Add retries — accept or reject"}
    assert {d.source for d in found} == {"delegate"}
    at_four = code_actions("file:///w/a.py", 4, reviews)
    assert at_four[0].command and at_four[0].command.arguments == [
        {"taskId": "t1", "uri": "file:///w/a.py", "hunkId": reviews[0].file.hunks[1].id}
    ]
    assert len(code_actions("file:///w/a.py", 2, reviews)) == 4  # file and all only
    assert code_actions("file:///w/a.py", 4, reviews, ["quickfix"]) == []
    # an edit inside a hunk's region makes it a conflict: no lens, no diagnostic for it
    clashing = text.replace("four\n", "4\n")
    assert len(diagnostics(clashing, reviews_for([proposal], "a.py", clashing), "utf-16")) == 1


def test_hunk_diff_is_a_unified_diff() -> None:
    proposal = build_proposal("t1", [FileChange("a.py", BASE, PROPOSED)])
    fp = proposal.files[0]
    assert hunk_diff(fp, fp.hunks[1]) == "--- a/a.py\n+++ b/a.py\n@@ -4,1 +4,1 @@\n-four\n+FOUR\n"


def lsp_applied(text: str, edit: types.TextEdit | types.AnnotatedTextEdit) -> str:
    """``text`` after ``edit``, read the way LSP defines it (past-the-end positions clamp)."""
    start = from_encoding(text, edit.range.start.line, edit.range.start.character, "utf-16")
    end = from_encoding(text, edit.range.end.line, edit.range.end.character, "utf-16")
    return apply_edits(text, [TextEdit(*start, *end, edit.new_text)])


@pytest.mark.parametrize(
    ("base", "proposed", "expected"),
    [
        # a new file: the insertion into the empty text ends at line 1 ("the end")
        (None, "def f():\n    pass\n", [((0, 0), (1, 0), "def f():\n    pass\n")]),
        # lines appended after the final newline: start at the last line and carry it
        ("a\nb\n", "a\nb\nc\nd\n", [((1, 0), (2, 0), "b\nc\nd\n")]),
        ("a\r\nb\r\n", "a\r\nb\r\nc\r\n", [((1, 0), (2, 0), "b\r\nc\r\n")]),
        # nothing starts at the end: unchanged
        ("a\nb\n", "a\nB\n", [((1, 0), (2, 0), "B\n")]),
        ("a\nb\nc\n", "A\nb\nc\nd\n", [((0, 0), (1, 0), "A\n"), ((2, 0), (3, 0), "c\nd\n")]),
        # no final newline: the end is on the last line, nothing to move
        ("a\nb", "a\nb\nc", [((1, 0), (1, 1), "b\nc")]),
    ],
)
def test_no_edit_starts_after_the_final_newline(
    base: str | None, proposed: str, expected: list[tuple[tuple[int, int], tuple[int, int], str]]
) -> None:
    """Neovim 0.11 turns an insertion after the final newline into a stray blank line."""
    proposal = build_proposal("t1", [FileChange("a.py", base, proposed)])
    plan = accept(proposal, "a.py", None, base)
    edits = lsp_text_edits(plan, "utf-16")
    got = [
        ((e.range.start.line, e.range.start.character), (e.range.end.line, e.range.end.character))
        for e in edits
    ]
    assert [(*g, e.new_text) for g, e in zip(got, edits, strict=True)] == expected
    text = base or ""
    for edit in sorted(edits, key=lambda e: e.range.start.line, reverse=True):
        text = lsp_applied(text, edit)
    assert text == proposed


def test_an_edit_that_did_not_land_leaves_hunks_pending_or_conflicted() -> None:
    from delegate.lsp.review.landing import missed, not_applied_message

    base = "a = 1\n\n\nb = 2\n\n\nc = 3\n"
    new = base.replace("a = 1", "a = 10").replace("b = 2", "b = 20").replace("c = 3", "c = 30")
    proposal = build_proposal("t", [FileChange("m.py", base, new)])
    first, second, third = (h.id for h in proposal.files[0].hunks)
    typed = base.replace("c = 3", "c = 4")  # the user touched the third hunk
    plan = accept(proposal, "m.py", None, typed)
    assert plan.applied == (first, second) and plan.conflicted == (third,)

    untouched = missed(proposal, plan, typed)  # nothing happened to the text since
    assert untouched.states == {third: "conflicted"} and not untouched.changes_anything
    assert not_applied_message(plan, untouched) == (
        "Delegate: the editor did not apply the edit to m.py (it changed meanwhile); "
        "2 hunks are still pending — try again"
    )

    meanwhile = typed.replace("b = 2", "b = 5")  # and then the second
    outcome = missed(proposal, plan, meanwhile)
    assert outcome.states == {second: "conflicted", third: "conflicted"}
    assert not_applied_message(plan, outcome).endswith(
        "the hunk is still pending — try again; 1 hunk now conflicts with your edits"
    )


def test_a_late_confirmation_records_only_hunks_that_are_still_open() -> None:
    from delegate.lsp.review.landing import late_message, late_outcome
    from delegate.proposals import reject, set_states

    base = "a = 1\n\n\nb = 2\n\n\nc = 3\n\n\nd = 4\n"
    new = base.replace("a = 1", "a = 10").replace("b = 2", "b = 20").replace("c = 3", "c = 30")
    proposal = build_proposal("t", [FileChange("m.py", base, new)])
    first, second, third = (h.id for h in proposal.files[0].hunks)
    plan = accept(proposal, "m.py", None, base)
    assert plan.applied == (first, second, third)

    # meanwhile: a retry's edit was confirmed for the first, the user rejected the second
    proposal = reject(set_states(proposal, "m.py", [first], "applied"), "m.py", [second])
    outcome = late_outcome(proposal, plan)
    assert (outcome.applied, outcome.rejected) == ((third,), (second,))
    assert late_message("m.py", outcome) == (
        "Delegate: the edit to m.py reached the editor late; 1 change applied after all; "
        "1 change you rejected meanwhile is in your buffer now: undo it there if you do not "
        "want it"
    )
    done = set_states(proposal, "m.py", [third], "applied")
    assert late_message("m.py", late_outcome(done, plan)) is not None  # the rejection is told
    assert (
        late_message("m.py", late_outcome(set_states(done, "m.py", [second], "applied"), plan))
        is None
    )
