"""``delegate run --apply``: the same merge onto the files of a real folder."""

from __future__ import annotations

from pathlib import Path

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.disk import apply_to_folder


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_applies_every_kind_of_change_and_keeps_bytes_exact(tmp_path: Path) -> None:
    write(tmp_path / "crlf.txt", "\ufeffa\r\nb\r\nc".encode())
    write(tmp_path / "gone.py", b"bye\n")
    write(tmp_path / "orig.py", b"1\n2\n3\n")
    (tmp_path / "crlf.txt").chmod(0o755)
    proposal = build_proposal(
        "t",
        [
            FileChange("crlf.txt", "\ufeffa\r\nb\r\nc", "\ufeffa\r\nB😀\r\nc"),
            FileChange("pkg/new.py", None, "new\n"),
            FileChange("gone.py", "bye\n", None),
            FileChange("sub/moved.py", "1\n2\n3\n", "1\n2\n3!\n", old_path="orig.py"),
        ],
    )
    outcome = apply_to_folder(proposal, tmp_path)
    assert (tmp_path / "crlf.txt").read_bytes() == "\ufeffa\r\nB😀\r\nc".encode()
    assert (tmp_path / "crlf.txt").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "pkg" / "new.py").read_bytes() == b"new\n"
    assert not (tmp_path / "gone.py").exists()
    assert not (tmp_path / "orig.py").exists()
    assert (tmp_path / "sub" / "moved.py").read_bytes() == b"1\n2\n3!\n"
    assert set(outcome.applied) == {"crlf.txt", "pkg/new.py", "gone.py", "sub/moved.py"}
    assert outcome.conflicted == {} and outcome.errors == {}
    assert outcome.proposal.counts()["applied"] == 4


def test_user_changes_on_disk_conflict_and_stay_untouched(tmp_path: Path) -> None:
    write(tmp_path / "a.py", b"a\nmine\nc\nd\ne\n")
    write(tmp_path / "new.py", b"already here\n")
    proposal = build_proposal(
        "t",
        [
            FileChange("a.py", "a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n"),
            FileChange("new.py", None, "new\n"),
        ],
    )
    outcome = apply_to_folder(proposal, tmp_path)
    assert (tmp_path / "a.py").read_bytes() == b"a\nmine\nc\nd\nE\n"
    assert (tmp_path / "new.py").read_bytes() == b"already here\n"
    a_hunks = [h.id for h in proposal.file("a.py").hunks]
    assert outcome.applied == {"a.py": (a_hunks[1],)}
    assert outcome.conflicted["a.py"] == (a_hunks[0],)
    assert outcome.conflicted["new.py"] == (proposal.file("new.py").hunks[0].id,)


def test_selection_applies_only_the_chosen_hunks(tmp_path: Path) -> None:
    write(tmp_path / "a.py", b"a\nb\nc\nd\ne\n")
    proposal = build_proposal("t", [FileChange("a.py", "a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n")])
    last = proposal.file("a.py").hunks[1].id
    outcome = apply_to_folder(proposal, tmp_path, {"a.py": [last]})
    assert (tmp_path / "a.py").read_bytes() == b"a\nb\nc\nd\nE\n"
    assert [h.state for h in outcome.proposal.file("a.py").hunks] == ["pending", "applied"]


def test_non_utf8_files_and_escaping_paths_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "latin.txt", "café\n".encode("latin-1"))
    proposal = build_proposal(
        "t",
        [
            FileChange("latin.txt", "café\n", "cafe\n"),
            FileChange("../outside.txt", None, "x\n"),
        ],
    )
    outcome = apply_to_folder(proposal, tmp_path)
    assert (tmp_path / "latin.txt").read_bytes() == "café\n".encode("latin-1")
    assert not (tmp_path.parent / "outside.txt").exists()
    assert set(outcome.errors) == {"latin.txt", "../outside.txt"}
    assert outcome.applied == {}
    assert outcome.proposal.counts()["conflicted"] == 2


def test_rename_onto_an_existing_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "orig.py", b"1\n")
    write(tmp_path / "taken.py", b"other\n")
    proposal = build_proposal("t", [FileChange("taken.py", "1\n", "1\n", old_path="orig.py")])
    outcome = apply_to_folder(proposal, tmp_path)
    assert (tmp_path / "orig.py").read_bytes() == b"1\n"
    assert (tmp_path / "taken.py").read_bytes() == b"other\n"
    assert "taken.py" in outcome.errors
