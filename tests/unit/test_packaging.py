"""The zip writer is deterministic; the artifact holds Baton's runtime code and nothing of its tooling."""

from __future__ import annotations

import marshal
import os
import sys
import zipfile
from typing import TYPE_CHECKING, Any

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
    assert not [n for n in names if n.startswith(("consumer/cli/", "consumer/local/", "tests/"))]
    assert not [n for n in names if "__pycache__" in n]


def test_bytecode_is_compiled_per_module_unchecked_and_naming_var_task(tmp_path: Path) -> None:
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    (src / "good.py").write_text("VALUE = 42\n")
    (src / "py2.py").write_text("print 'a Python 2 example'\n")
    (src / "data.txt").write_text("not code\n")
    entries = [(f"pkg/{p.name}", p) for p in sorted(src.iterdir())]

    first = packaging.compile_bytecode(entries, sys.executable, tmp_path / "one")
    second = packaging.compile_bytecode(entries, sys.executable, tmp_path / "two")

    tag = sys.implementation.cache_tag
    assert [name for name, _ in first.entries] == [f"pkg/__pycache__/good.{tag}.pyc"]
    assert first.failed == ["pkg/py2.py"], "a module that does not compile is listed, not fatal"
    pyc = first.entries[0][1].read_bytes()
    assert pyc == second.entries[0][1].read_bytes(), "the bytecode depends on the source alone"
    assert int.from_bytes(pyc[4:8], "little") == 0b01, "hash-based, source not checked (PEP 552)"
    assert marshal.loads(pyc[16:]).co_filename == "/var/task/pkg/good.py"  # noqa: S302 - the test's own pyc


def test_the_bytecode_interpreter_named_must_be_of_the_targets_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    monkeypatch.setenv(packaging.BYTECODE_PYTHON, sys.executable)
    assert packaging.target_interpreter(here) == sys.executable
    with pytest.raises(packaging.PackagingError, match=f"{packaging.BYTECODE_PYTHON}=.* is not a Python 1.0"):
        packaging.target_interpreter("1.0")
    monkeypatch.delenv(packaging.BYTECODE_PYTHON)
    assert packaging.target_interpreter(here) == sys.executable
    assert packaging.target_interpreter("1.0") is None


def test_pins_come_from_pyproject() -> None:
    target = packaging.LambdaTarget.from_pyproject()
    assert target.python_version == "3.13"
    assert target.platform == "manylinux2014_x86_64"
    assert all("==" in requirement for requirement in target.requirements)
    assert any(r.startswith("aws-lambda-powertools==3.") for r in target.requirements)
    assert not any(r.split("==")[0] in {"boto3", "botocore"} for r in target.requirements)


# -- extra requirements -----------------------------------------------------------------------------------


def requirements(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return path


def test_exact_pins_are_read_with_comments_and_blank_lines(tmp_path: Path) -> None:
    path = requirements(
        tmp_path, "# what the processor imports\n\npython-slugify==8.0.4  # slugs\nText_Unidecode==1.3\n"
    )

    assert packaging.read_pins(path) == ("python-slugify==8.0.4", "Text_Unidecode==1.3")


def test_every_line_that_is_not_an_exact_pin_is_reported_at_once(tmp_path: Path) -> None:
    path = requirements(
        tmp_path,
        "ok==1.0\nrange>=1\nstar==1.*\nextras[fast]==2\nmarked==1; python_version<'3.12'\n"
        "url @ https://example.com/url.whl\n-r more.txt\nnot a requirement\nbad==not.a.version!\nOK==1.0\n",
    )

    with pytest.raises(packaging.PackagingError) as raised:
        packaging.read_pins(path)

    lines = str(raised.value).splitlines()
    assert lines == [
        f"{path}:2: 'range>=1' is not an exact pin: write name==version",
        f"{path}:3: 'star==1.*' is not an exact pin: write name==version",
        f"{path}:4: 'extras[fast]==2' names extras: pins are installed without their dependencies, so pin "
        "the extra's packages",
        f"{path}:5: \"marked==1; python_version<'3.12'\" has an environment marker: the artifact is "
        "built for one platform, pin what it needs",
        f"{path}:6: 'url @ https://example.com/url.whl' is a URL: pin a released version (name==version)",
        f"{path}:7: '-r more.txt' is a pip option: list exact name==version pins only",
        f"{path}:8: 'not a requirement' is not a requirement: write name==version, e.g. "
        "python-slugify==8.0.4",
        f"{path}:9: 'bad==not.a.version!' is not a requirement: write name==version, e.g. "
        "python-slugify==8.0.4",
        f"{path}:10: ok is pinned twice",
    ]


def test_a_missing_requirements_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(packaging.PackagingError, match=r"EXTRA_REQUIREMENTS=.*nope.txt: cannot read it"):
        packaging.read_pins(tmp_path / "nope.txt")


def test_extra_pins_join_batons_and_may_not_change_its_versions() -> None:
    own = ("aws-lambda-powertools==3.37.0", "wrapt==2.5.2")

    merged = packaging.merge_pins(own, ("python-slugify==8.0.4", "WRAPT==2.5.2"), "extra.txt")

    assert merged == ("aws-lambda-powertools==3.37.0", "wrapt==2.5.2", "python-slugify==8.0.4")
    with pytest.raises(packaging.PackagingError) as raised:
        packaging.merge_pins(own, ("aws_lambda_powertools==3.0.0",), "extra.txt")
    assert str(raised.value) == (
        "extra.txt: aws_lambda_powertools==3.0.0 conflicts with Baton's own aws-lambda-powertools==3.37.0 "
        "(pyproject.toml)"
    )


# -- processor code from a folder ------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_source_folder_adds_its_packages_and_modules_only(tmp_path: Path) -> None:
    src = write(
        tmp_path / "src",
        {
            "acme/__init__.py": "",
            "acme/rows.py": "",
            "acme/schema.json": "{}",
            "acme/__pycache__/rows.cpython-311.pyc": "",
            "acme/.hidden": "",
            "helpers.py": "",
            "namespaced/sub/mod.py": "",
            "data/readme.txt": "not code",
            "setup.py": "",
            "conftest.py": "",
            "README.md": "",
            ".venv/lib/x.py": "",
            "acme.egg-info/PKG-INFO": "",
        },
    )

    source = packaging.folder_source(src)

    assert [name for name, _ in source.entries] == [
        "acme/__init__.py",
        "acme/rows.py",
        "acme/schema.json",
        "helpers.py",
        "namespaced/sub/mod.py",
    ]
    assert source.top_level() == {"acme", "helpers", "namespaced"}
    assert source.label == f"PROCESSOR_SRC={src}"


def test_a_source_folder_must_hold_packages_not_be_one(tmp_path: Path) -> None:
    package = write(tmp_path / "src", {"acme/__init__.py": ""}) / "acme"
    empty = write(tmp_path / "empty", {"README.md": ""})

    with pytest.raises(packaging.PackagingError, match=r"is itself a package: give the folder that contains"):
        packaging.folder_source(package)
    with pytest.raises(packaging.PackagingError, match="no Python packages or modules at its top"):
        packaging.folder_source(empty)
    with pytest.raises(packaging.PackagingError, match="not a folder"):
        packaging.folder_source(tmp_path / "missing")


def test_names_claimed_twice_fail_the_build_before_pip_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = write(
        tmp_path / "ours", {"consumer/__init__.py": "", "relay_common.py": "", "acme/__init__.py": ""}
    )
    theirs = write(tmp_path / "theirs", {"acme.py": ""})
    monkeypatch.setattr(packaging, "install_dependencies", pytest.fail)  # must not be reached

    with pytest.raises(packaging.PackagingError) as raised:
        packaging.build(tmp_path / "a.zip", additions=packaging.Additions(processor_src=(ours, theirs)))

    assert str(raised.value).splitlines() == [
        f"PROCESSOR_SRC={ours}: 'consumer' is also in Baton's own code",
        f"PROCESSOR_SRC={ours}: 'relay_common' is also in Baton's own code",
        f"PROCESSOR_SRC={theirs}: 'acme' is also in PROCESSOR_SRC={ours}",
    ]
    assert not (tmp_path / "a.zip").exists()


def test_bad_inputs_are_reported_together_and_the_command_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(packaging, "install_dependencies", pytest.fail)
    bad = requirements(tmp_path, "slugify>=1\n")

    code = packaging.main(
        [
            "--out",
            str(tmp_path / "a.zip"),
            "--extra-requirements",
            str(bad),
            "--processor-src",
            str(tmp_path / "missing"),
            "--processor-dist",
            "no-such-distribution-here",
        ]
    )

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m consumer.packaging: the artifact was not built:\n")
    assert f"{bad}:1: 'slugify>=1' is not an exact pin" in err
    assert f"PROCESSOR_SRC={tmp_path / 'missing'}: not a folder" in err
    assert "PROCESSOR_DIST=no-such-distribution-here: no such distribution is installed" in err


# -- processor code from an installed distribution -------------------------------------------------------


def fake_distribution(
    site: Path,
    name: str = "acme-rows",
    *,
    purelib: bool = True,
    requires: tuple[str, ...] = (),
    extra_files: dict[str, str] | None = None,
    direct_url: str | None = None,
) -> Path:
    """An installed distribution as pip leaves it: code, a .dist-info with METADATA, WHEEL and RECORD."""
    package = name.replace("-", "_")
    info = f"{package}-1.0.dist-info"
    files = {
        f"{package}/__init__.py": "from acme_rows.rows import process\n",
        f"{package}/rows.py": "def process(obj, ctx): ...\n",
        f"{package}/__pycache__/rows.cpython-311.pyc": "",
        **(extra_files or {}),
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: "
        + name
        + "\nVersion: 1.0\n"
        + "".join(f"Requires-Dist: {item}\n" for item in requires),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: {'true' if purelib else 'false'}\n",
        f"{info}/INSTALLER": "pip\n",
        f"{info}/top_level.txt": f"{package}\n",
    }
    if direct_url is not None:
        files[f"{info}/direct_url.json"] = direct_url
    write(site, files)
    record = [*files, f"{info}/RECORD", "../../../bin/acme-rows"]
    (site / info / "RECORD").write_text("".join(f"{entry},,\n" for entry in record))
    return site


def test_an_installed_distribution_brings_its_files_and_metadata_but_no_install_records(
    tmp_path: Path,
) -> None:
    site = fake_distribution(tmp_path / "site", direct_url='{"url": "file:///home/me/acme", "dir_info": {}}')

    source = packaging.distribution_source("acme_rows", path=[str(site)])  # names compare normalised

    assert [name for name, _ in source.entries] == [
        "acme_rows-1.0.dist-info/METADATA",
        "acme_rows-1.0.dist-info/WHEEL",
        "acme_rows-1.0.dist-info/top_level.txt",
        "acme_rows/__init__.py",
        "acme_rows/rows.py",
    ]
    assert source.provides == (("acme-rows", "1.0"),)
    assert source.label == "PROCESSOR_DIST=acme_rows (1.0)"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"purelib": False}, "is not pure Python: its compiled files were built for this machine's Python"),
        (
            {"extra_files": {"acme_rows/_speed.cpython-311-x86_64-linux-gnu.so": ""}},
            "is not pure Python (e.g. acme_rows/_speed.cpython-311-x86_64-linux-gnu.so)",
        ),
        (
            {"direct_url": '{"url": "file:///home/me/acme", "dir_info": {"editable": true}}'},
            "is an editable install, so its code is not in the environment: give its source folder as "
            "PROCESSOR_SRC",
        ),
    ],
)
def test_a_distribution_that_cannot_be_copied_is_refused(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    site = fake_distribution(tmp_path / "site", **options)

    with pytest.raises(packaging.PackagingError) as raised:
        packaging.distribution_source("acme-rows", path=[str(site)])

    assert message in str(raised.value)


def test_baton_itself_or_a_missing_distribution_is_refused(tmp_path: Path) -> None:
    with pytest.raises(packaging.PackagingError, match="Baton's own code is always in the artifact"):
        packaging.distribution_source("baton")
    with pytest.raises(packaging.PackagingError, match="no such distribution is installed in"):
        packaging.distribution_source("acme-rows", path=[str(tmp_path)])


# -- the closure -----------------------------------------------------------------------------------------


def test_every_requirement_must_be_pinned_or_provided_by_the_runtime() -> None:
    target = packaging.LambdaTarget("3.13", "manylinux2014_x86_64", ())
    processor = packaging.Source(
        "PROCESSOR_DIST=acme-rows (1.0)",
        (),
        provides=(("acme-rows", "1.0"),),
        requires=(
            ("acme-rows", "1.0", "python-slugify>=8"),
            ("acme-rows", "1.0", "boto3>=1.30"),  # the runtime's
            ("acme-rows", "1.0", "baton"),  # the artifact itself
            ("acme-rows", "1.0", 'orjson>=3; extra == "fast"'),  # an extra nobody asked for
            ("acme-rows", "1.0", 'tomli>=2; python_version < "3.11"'),  # not on python3.13
            ("acme-rows", "1.0", 'uvloop; sys_platform == "win32"'),
            ("acme-rows", "1.0", "requests>=2"),
        ),
    )
    pinned = packaging.Source(
        "the pinned requirements",
        (),
        provides=(("python-slugify", "7.0.0"), ("text-unidecode", "1.3")),
        requires=(("python-slugify", "7.0.0", "text-unidecode>=1.3"),),
    )

    problems = packaging.unmet_requirements([pinned, processor], target)

    assert problems == [
        "acme-rows 1.0 needs python-slugify>=8, but python-slugify==7.0.0 is pinned",
        "acme-rows 1.0 needs requests>=2, which is neither pinned nor provided by the runtime: add an exact "
        "pin to EXTRA_REQUIREMENTS",
    ]
