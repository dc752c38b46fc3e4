"""Baton's own processors. `DEFAULT` is what runs when `BATON_PROCESSOR` is not set."""

DEFAULT = "consumer.processors.digest:process"
"""The default processor: a streamed digest of every object, recorded once per version."""
