"""The zip writer is deterministic; the artifact holds Baton's runtime code and nothing of its tooling."""

from __future__ import annotations

import os
import zipfile
from typing import TYPE_CHECKING

import pytest

from consumer import packaging

if TYPE_CHECKING:
    from pathlib import Path


def make_tree(root: Path, mtime: int, mode: int) -> list[tuple[str, Path]]:
    files = {"pkg/b.py": b"b = 2\n", "pkg/a.py": b"a = 1\n", "pkg/sub/c.txt": b"c\n"}
    entries = []
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, mode)
        os.utime(path, (mtime, mtime))
        entries.append((name, path))
    return entries


def test_same_content_gives_identical_bytes_whatever_the_file_metadata(tmp_path: Path) -> None:
    one = make_tree(tmp_path / "one", mtime=1_600_000_000, mode=0o600)
    two = make_tree(tmp_path / "two", mtime=1_700_000_000, mode=0o755)
    packaging.write_zip(one, tmp_path / "one.zip")
    packaging.write_zip(reversed(two), tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_entries_are_sorted_with_fixed_time_and_mode(tmp_path: Path) -> None:
    packaging.write_zip(make_tree(tmp_path / "t", 1_650_000_000, 0o700), tmp_path / "t.zip")
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["pkg/a.py", "pkg/b.py", "pkg/sub/c.txt"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("1")
    with pytest.raises(ValueError, match="same archive name"):
        packaging.write_zip([("x", tmp_path / "x"), ("x", tmp_path / "x")], tmp_path / "d.zip")


def test_source_files_are_the_runtime_code_only() -> None:
    names = [name for name, _ in packaging.source_files()]
    assert "consumer/relay_handler.py" in names
    assert "consumer/fifo_handler.py" in names
    assert "consumer/processors/digest.py" in names
    assert "relay_common/py.typed" in names
    assert "consumer/packaging.py" not in names
    assert not [n for n in names if n.startswith(("consumer/cli", "tests")) or "__pycache__" in n]


def test_pins_come_from_pyproject() -> None:
    target = packaging.LambdaTarget.from_pyproject()
    assert target.python_version == "3.13"
    assert target.platform == "manylinux2014_x86_64"
    assert all("==" in requirement for requirement in target.requirements)
    assert any(r.startswith("aws-lambda-powertools==3.") for r in target.requirements)
    assert not any(r.split("==")[0] in {"boto3", "botocore"} for r in target.requirements)
