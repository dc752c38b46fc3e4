"""Stack outputs: the FIFO routing outputs (`message_group_id`, and `message_groups`, a map)."""

from __future__ import annotations

import pytest

from consumer.cli.stack import from_outputs, parse_outputs


def test_stack_reads_the_routing_outputs() -> None:
    terraform = {
        "queue_url": {"value": "https://q/x.fifo", "type": "string", "sensitive": False},
        "message_group_id": {"value": "ingest", "type": "string", "sensitive": False},
        "message_groups": {"value": {"b/": "gb", "a/": "ga"}, "type": ["map", "string"], "sensitive": False},
    }
    flat = {"queue_url": "https://q/x.fifo", "message_group_id": "ingest", "message_groups": {"a/": "ga"}}

    stack = from_outputs(parse_outputs(terraform, "tf"), "tf")
    plain = from_outputs(parse_outputs(flat, "flat"), "flat")

    assert stack.message_groups == (("a/", "ga"), ("b/", "gb"))
    assert stack.message_group_id == "ingest"
    assert plain.message_groups == (("a/", "ga"),)
    none = from_outputs(
        parse_outputs({"queue_url": "u", "message_groups": {"value": {}, "type": "map"}}, "x"), "x"
    )
    assert none.message_groups == ()  # an empty map: every key to message_group_id
    assert from_outputs(parse_outputs({"queue_url": "u"}, "x"), "x").message_groups is None
    with pytest.raises(Exception, match="'message_groups' from bad is not an object of strings"):
        parse_outputs({"queue_url": "u", "message_groups": {"a/": 1}}, "bad")
    with pytest.raises(Exception, match="'message_groups' from bad is not an object of strings"):
        parse_outputs({"queue_url": "u", "message_groups": "a/=g"}, "bad")
