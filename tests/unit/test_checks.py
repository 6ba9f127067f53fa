"""_checks: the reusable value checks (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity._checks import (
    check_bool,
    check_guid,
    check_int,
    check_kubernetes_version,
    check_number,
    check_str_sequence,
    check_tags,
    odata_literal,
    parse_cidr,
    text_problem,
)
from aks_identity._errors import ValidationError


@given(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1))
def test_plain_letters_and_digits_are_fine(text: str) -> None:
    assert text_problem(text) is None


@pytest.mark.parametrize(
    "text", ["a\n", " a", "a\u200bb", "a\u202eb", "a\x00b", "a\u2028b", "a\ufeff"]
)
def test_hidden_characters_are_problems(text: str) -> None:
    assert text_problem(text)


@given(st.text())
def test_odata_literal_round_trips(text: str) -> None:
    literal = odata_literal(text)
    assert literal[0] == literal[-1] == "'"
    inner = literal[1:-1]
    assert inner.replace("''", "").count("'") == 0
    assert inner.replace("''", "'") == text


@given(st.uuids())
def test_guids_are_lower_cased(value: object) -> None:
    assert check_guid(str(value).upper(), "x") == str(value)


@pytest.mark.parametrize("value", [True, False])
def test_bools_pass(value: bool) -> None:
    assert check_bool(value, "flag") is value


@pytest.mark.parametrize("value", ["true", 1, None])
def test_non_bools_fail(value: object) -> None:
    with pytest.raises(ValidationError, match="flag=True or flag=False"):
        check_bool(value, "flag")


def test_numbers() -> None:
    assert check_number(1, "n") == 1.0
    assert check_number(0, "n") == 0.0
    with pytest.raises(ValidationError, match="greater than 0"):
        check_number(0, "n", strict=True)
    with pytest.raises(ValidationError, match="finite"):
        check_number(float("nan"), "n")
    assert check_int(5, "n", low=1, high=5) == 5
    with pytest.raises(ValidationError, match="integer"):
        check_int(True, "n", low=0, high=5)


def test_tags_limits() -> None:
    assert check_tags(None) is None
    assert check_tags({"a": "b"}) == {"a": "b"}
    assert check_tags({f"t{i}": "" for i in range(50)}) is not None
    with pytest.raises(ValidationError, match="50"):
        check_tags({f"t{i}": "" for i in range(51)})


def test_sequences_refuse_bare_strings() -> None:
    assert check_str_sequence(["a"], "xs") == ("a",)
    with pytest.raises(ValidationError, match=r"xs=\['a'\]"):
        check_str_sequence("a", "xs")


@pytest.mark.parametrize("version", ["1.30", "1.30.4", "1.9", "2.0.0"])
def test_kubernetes_versions(version: str) -> None:
    assert check_kubernetes_version(version) == version


def test_cidrs() -> None:
    assert str(parse_cidr("10.0.0.0/16", "c")) == "10.0.0.0/16"
    assert str(parse_cidr("fd00::/64", "c")) == "fd00::/64"
    with pytest.raises(ValidationError, match="host bits"):
        parse_cidr("10.0.0.1/16", "c")
