"""Acme's CSV processor: Baton's CSV processor with header names normalised by python-slugify.

A processor as it would live in its own repository, with a third-party dependency. The packaging tests build
the artifact with it, as the README shows:

    make package PROCESSOR_SRC=tests/packaging/acme/src \
        EXTRA_REQUIREMENTS=tests/packaging/acme/requirements.txt

and run an object through it on python3.13 with only what Lambda's runtime provides besides the zip.
Deployed with `processor = "acme_csv:process"`; `BATON_CSV_REQUIRED_COLUMNS` may then name columns as
written in the files ("E-mail Address") or as slugs ("e_mail_address").
"""

from __future__ import annotations

from slugify import slugify

from consumer.processors.csv_rows import CsvRowsProcessor


class SluggedCsvProcessor(CsvRowsProcessor):
    """Header names compared as slugs: "E-mail Address", "e-mail address " and "E_mail_address" are one."""

    def column_name(self, raw: str) -> str:
        """The column's slug, words joined by `_`."""
        return str(slugify(raw, separator="_"))


process = SluggedCsvProcessor()
