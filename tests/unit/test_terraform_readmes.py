"""Every Terraform module's and stack's README lists exactly the variables and outputs it declares.

The first column of the README's `## Inputs` table must name the `variable` blocks of the directory's .tf
files (a stack's shared files, linked from terraform/stacks/shared, included), and the `## Outputs` table its
`output` blocks: no variable undocumented, none documented that is gone, none listed twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
# Modules and deployable stacks: the directories with a versions.tf (as make test-terraform finds them).
DIRECTORIES = sorted(
    path.parent
    for pattern in ("modules/*/versions.tf", "stacks/*/versions.tf")
    for path in TERRAFORM.glob(pattern)
)

BLOCK = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.MULTILINE)
ROW_NAME = re.compile(r"^\|\s*`([^`]+)`\s*\|", re.MULTILINE)


def declared(directory: Path, kind: str) -> list[str]:
    """Names of the `kind` blocks in the directory's .tf files (a symlinked file is read through its link)."""
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.tf")))
    return [name for block_kind, name in BLOCK.findall(text) if block_kind == kind]


def table_names(readme: str, heading: str) -> list[str] | None:
    """First-column names of the table under `## heading`, or None when the README has no such section."""
    section = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    if section is None:
        return None
    return ROW_NAME.findall(section.group(1))


def test_the_readme_check_covers_the_modules_and_both_stacks() -> None:
    names = {path.relative_to(TERRAFORM).as_posix() for path in DIRECTORIES}
    assert {"modules/pipeline", "modules/consumer-function", "stacks/relay", "stacks/fifo"} <= names
    assert "stacks/shared" not in names, "the shared stack files are no root of their own"


@pytest.mark.parametrize(
    ("directory", "kind", "heading"),
    [(d, *table) for d in DIRECTORIES for table in (("variable", "Inputs"), ("output", "Outputs"))],
    ids=lambda value: value.relative_to(TERRAFORM).as_posix() if isinstance(value, Path) else str(value),
)
def test_readme_table_lists_exactly_what_the_directory_declares(
    directory: Path, kind: str, heading: str
) -> None:
    readme = directory / "README.md"
    assert readme.is_file(), f"{directory.relative_to(TERRAFORM)} has no README.md"
    listed = table_names(readme.read_text(encoding="utf-8"), heading)
    assert listed is not None, f"{readme.relative_to(TERRAFORM)} has no '## {heading}' table"
    names = declared(directory, kind)
    assert names, f"{directory.relative_to(TERRAFORM)} declares no {kind}"
    duplicates = sorted({name for name in listed if listed.count(name) > 1})
    assert not duplicates, f"{readme.relative_to(TERRAFORM)} lists {duplicates} more than once"
    missing = sorted(set(names) - set(listed))
    extra = sorted(set(listed) - set(names))
    assert not missing, f"{readme.relative_to(TERRAFORM)} '## {heading}' does not list {missing}"
    assert not extra, f"{readme.relative_to(TERRAFORM)} '## {heading}' lists {extra}, which are not declared"


def test_a_readme_that_disagrees_is_reported(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "kept" {\n  type = string\n}\n\nvariable "new" {\n  type = string\n}\n', encoding="utf-8"
    )
    readme = "## Inputs\n\n| Name | Type |\n| --- | --- |\n| `kept` | `string` |\n| `gone` | `string` |\n"
    assert declared(tmp_path, "variable") == ["kept", "new"]
    assert table_names(readme, "Inputs") == ["kept", "gone"]
    assert table_names(readme, "Outputs") is None
