"""The processor contract: loading `BATON_PROCESSOR`, the result type, the base classes."""

from __future__ import annotations

import pytest

from relay_common.errors import ConfigurationError
from relay_common.processor import (
    BaseProcessor,
    FunctionProcessor,
    Processor,
    ProcessorResult,
    Status,
    load_processor,
)
from tests.unit import sample_processors


class TestLoadProcessor:
    def test_an_instance_is_used_as_it_is(self) -> None:
        assert load_processor("tests.unit.sample_processors:instance") is sample_processors.instance

    def test_a_class_is_created(self) -> None:
        processor = load_processor("tests.unit.sample_processors:Counting")
        assert type(processor) is sample_processors.Counting

    def test_a_function_is_wrapped(self) -> None:
        processor = load_processor("tests.unit.sample_processors:ok")
        assert isinstance(processor, FunctionProcessor)
        assert processor.process(None, None) == ProcessorResult("ok")  # type: ignore[arg-type]

    def test_the_default_processor_is_a_processor(self) -> None:
        assert isinstance(load_processor("consumer.processors.digest:process"), Processor)

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ("no-colon", "must look like 'package.module:attribute'"),
            (":ok", "must look like"),
            ("tests.unit.sample_processors:", "must look like"),
            ("tests.unit.nowhere:ok", "cannot import 'tests.unit.nowhere'"),
            ("tests.unit.sample_processors:missing", "has no 'missing'"),
            ("tests.unit.sample_processors:NOT_CALLABLE", "is a int: name a processor"),
            ("tests.unit.sample_processors:one_argument", "must accept two positional arguments"),
            ("tests.unit.sample_processors:NeedsArguments", "cannot be created without arguments"),
        ],
    )
    def test_bad_specs_fail_with_a_clear_message(self, spec: str, message: str) -> None:
        with pytest.raises(ConfigurationError, match=message):
            load_processor(spec)

    def test_loading_does_not_set_up(self) -> None:
        sample_processors.Counting.setups = 0
        load_processor("tests.unit.sample_processors:Counting")
        assert sample_processors.Counting.setups == 0


class TestProcessorResult:
    def test_round_trips_through_json(self) -> None:
        result = ProcessorResult(Status.RECORDED, duplicate=True, details={"rows": 3, "valid": True})
        assert ProcessorResult.from_json(result.to_json()) == result
        assert result.to_json() == {
            "status": "recorded",
            "duplicate": True,
            "details": {"rows": 3, "valid": True},
        }

    @pytest.mark.parametrize("status", ["", None, 3])
    def test_needs_a_status(self, status: object) -> None:
        with pytest.raises(TypeError, match="status must be a non-empty string"):
            ProcessorResult(status)  # type: ignore[arg-type]

    def test_statuses_are_strings(self) -> None:
        assert ProcessorResult(Status.MISSING).status == "missing"


def test_the_base_processor_asks_for_process() -> None:
    with pytest.raises(NotImplementedError, match="BaseProcessor must implement process"):
        BaseProcessor().process(None, None)  # type: ignore[arg-type]
