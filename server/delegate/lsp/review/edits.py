"""Accepted hunks as one ``WorkspaceEdit``, shaped for what the client says it can apply.

The proposals package plans each file's edits in code points against the text the user has
now; this module only converts: columns to the negotiated encoding, open documents to
versioned ``TextDocumentEdit``s (so a client that moved on rejects a stale edit), closed
files to ``version: null``, creates/deletes/renames to resource operations, and — for a
refactoring preview — every change tagged with a ``ChangeAnnotation`` that needs
confirmation. A client that cannot express a file operation gets a clear refusal instead of
an edit that would silently do half the job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

from delegate.proposals.lines import split_lines, strip_terminator
from delegate.proposals.positions import PositionEncoding, TextEdit, to_encoding
from delegate.proposals.review import AcceptResult


class UnsupportedEdit(Exception):
    """The client cannot apply this edit (e.g. no resource operations)."""


@dataclass(frozen=True)
class EditSupport:
    """What the client declared under ``workspace.workspaceEdit`` and ``workspace.applyEdit``."""

    apply_edit: bool = True
    document_changes: bool = False
    resource_operations: frozenset[str] = frozenset()
    change_annotations: bool = False

    @property
    def uses_document_changes(self) -> bool:
        # resource operations only exist inside documentChanges, so a client that lists them
        # (Neovim does, without setting documentChanges) takes documentChanges
        return self.document_changes or bool(self.resource_operations)


def edit_support(caps: types.ClientCapabilities) -> EditSupport:
    workspace = caps.workspace
    edit = workspace.workspace_edit if workspace else None
    operations = edit.resource_operations if edit and edit.resource_operations else []
    return EditSupport(
        apply_edit=bool(workspace and workspace.apply_edit),
        document_changes=bool(edit and edit.document_changes),
        resource_operations=frozenset(str(getattr(o, "value", o)) for o in operations),
        change_annotations=bool(edit and edit.change_annotation_support is not None),
    )


@dataclass(frozen=True)
class FileEdit:
    """One file's planned acceptance and where it goes in the editor."""

    plan: AcceptResult
    uri: str  # the document the edits apply to (the new path of a rename)
    source_uri: str  # the rename's source, else the same as ``uri``
    version: int | None  # the open document's version, None for a closed file


@dataclass(frozen=True)
class Annotation:
    """A change annotation for the refactoring preview."""

    label: str
    description: str


def lsp_text_edits(
    plan: AcceptResult, encoding: PositionEncoding, annotation_id: str | None = None
) -> list[types.TextEdit | types.AnnotatedTextEdit]:
    text = plan.current_text or ""
    converted = to_encoding(text, plan.edits, encoding)
    return [_lsp_edit(e, annotation_id) for e in inside_last_line(text, converted)]


def inside_last_line(text: str, edits: Sequence[TextEdit]) -> list[TextEdit]:
    """The same edits, none starting after the final newline of ``text``.

    Editors that keep a buffer as lines plus an "ends with a newline" flag (Neovim) have no
    line after the final newline, and Neovim 0.11 leaves a stray blank line at the end when
    text is inserted there — when lines are appended to a file, or an empty new file is
    filled. So such an insertion starts at the last line instead and carries that line
    along; an empty text has no last line, so its insertion ends at line 1, the usual "end
    of the document" position that clients clamp. Every client ends up with the same text.
    Columns of the changed positions are 0, so this works in any encoding.
    """
    lines = split_lines(text)
    end = (len(lines), 0)
    if lines and strip_terminator(lines[-1]) == lines[-1]:
        return list(edits)  # no final newline: the end is on the last line already
    shaped: list[TextEdit] = []
    for edit in edits:
        if (edit.start_line, edit.start_col) != end:
            shaped.append(edit)
        elif not lines:
            shaped.append(TextEdit(0, 0, 1, 0, edit.new_text))
        elif all((e.end_line, e.end_col) <= (end[0] - 1, 0) for e in edits if e is not edit):
            shaped.append(TextEdit(end[0] - 1, 0, *end, lines[-1] + edit.new_text))
        else:
            shaped.append(edit)  # another edit ends inside the last line: leave both alone
    return shaped


def _lsp_edit(
    edit: TextEdit, annotation_id: str | None
) -> types.TextEdit | types.AnnotatedTextEdit:
    rng = types.Range(
        start=types.Position(line=edit.start_line, character=edit.start_col),
        end=types.Position(line=edit.end_line, character=edit.end_col),
    )
    if annotation_id is None:
        return types.TextEdit(range=rng, new_text=edit.new_text)
    return types.AnnotatedTextEdit(range=rng, new_text=edit.new_text, annotation_id=annotation_id)


def _operation(
    file: FileEdit, annotation_id: str | None
) -> types.CreateFile | types.DeleteFile | types.RenameFile | None:
    op = file.plan.operation
    if op is None:
        return None
    if op.kind == "create":
        return types.CreateFile(
            uri=file.uri,
            options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
            annotation_id=annotation_id,
        )
    if op.kind == "delete":
        return types.DeleteFile(uri=file.uri, annotation_id=annotation_id)
    return types.RenameFile(
        old_uri=file.source_uri,
        new_uri=file.uri,
        options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
        annotation_id=annotation_id,
    )


DocumentChange = types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile


def workspace_edit(
    files: Sequence[FileEdit],
    support: EditSupport,
    encoding: PositionEncoding,
    annotations: dict[str, Annotation] | None = None,
) -> types.WorkspaceEdit:
    """One edit for every file that changes. ``annotations`` (keyed by the file's path) are
    used only when the client supports them; raises :class:`UnsupportedEdit` otherwise."""
    chosen = [f for f in files if f.plan.changes_anything]
    annotate = bool(annotations) and support.change_annotations
    if not support.uses_document_changes:
        return _plain_changes(chosen, encoding)
    changes: list[DocumentChange] = []
    for file in chosen:
        annotation_id = f"delegate:{file.plan.path}" if annotate else None
        operation = _operation(file, annotation_id)
        if operation is not None:
            kind = file.plan.operation.kind if file.plan.operation else ""
            if kind not in support.resource_operations:
                raise UnsupportedEdit(
                    f"the editor cannot {kind} files through workspace/applyEdit "
                    f"(workspace.workspaceEdit.resourceOperations lacks {kind!r}): "
                    f"{file.plan.path} was left alone"
                )
            changes.append(operation)
        if file.plan.edits:
            is_plain_doc = file.plan.operation is None
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=file.uri, version=file.version if is_plain_doc else None
                    ),
                    edits=list(lsp_text_edits(file.plan, encoding, annotation_id)),
                )
            )
    change_annotations = None
    if annotate and annotations:
        change_annotations = {
            f"delegate:{path}": types.ChangeAnnotation(
                label=a.label, needs_confirmation=True, description=a.description
            )
            for path, a in annotations.items()
            if any(f.plan.path == path for f in chosen)
        }
    return types.WorkspaceEdit(document_changes=changes, change_annotations=change_annotations)


def _plain_changes(files: Sequence[FileEdit], encoding: PositionEncoding) -> types.WorkspaceEdit:
    changes: dict[str, list[types.TextEdit]] = {}
    for file in files:
        if file.plan.operation is not None:
            raise UnsupportedEdit(
                f"the editor cannot {file.plan.operation.kind} files through "
                "workspace/applyEdit (no workspace.workspaceEdit.documentChanges or "
                f"resourceOperations): {file.plan.path} was left alone"
            )
        edits = lsp_text_edits(file.plan, encoding)
        changes[file.uri] = [types.TextEdit(range=e.range, new_text=e.new_text) for e in edits]
    return types.WorkspaceEdit(changes=changes)
