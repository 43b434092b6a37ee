"""One rule for every keyed collection: ``get`` is a mapping's, ``[key]`` raises a KeyError.

``org.users``, ``org.groups``, ``org.phones``, ``org.functions``, ``org.prompts``, the
status list and a page of users all answer ``get(key)`` with the item or ``None`` (never
an error), and ``collection[key]`` / ``find(key)`` with the item or an
:class:`~cloudtel.UnknownKeyError` that is a :class:`KeyError` and a
:class:`~cloudtel.NotFoundError`, names the key and the closest key there is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLE

from cloudtel import Organization, UnknownKeyError, load
from cloudtel.errors import NotFoundError

ORG = load(EXAMPLE)

COLLECTIONS: dict[str, Callable[[Organization], Any]] = {
    "users": lambda org: org.users,
    "groups": lambda org: org.groups,
    "phones": lambda org: org.phones,
    "functions": lambda org: org.functions,
    "prompts": lambda org: org.prompts,
    "status": lambda org: org.functions.status(),
    "page": lambda org: org.find_users(page_size=5),
}

# (collection, a key no item has, the closest key there is)
MISSES = [
    ("users", "steven.lathouwer@orange.be", "steven.lathouwers@orange.be"),
    ("groups", "Sale", "Sales"),
    ("phones", "08:00:0f:bb:ad:79", "08000FBBAD78"),
    ("functions", "5902", "5901"),
    ("prompts", "lunch", "Lunch"),
    ("status", "Nederlands Orange lab", "Nederlands Orange labo"),
    ("page", "adel.alkoubaisi@orange.be", "adel.alkoubaisy@orange.be"),
]


@pytest.mark.parametrize(("name", "missing", "closest"), MISSES)
def test_get_gives_none_and_brackets_raise_a_key_error_naming_the_closest_key(
    name: str, missing: str, closest: str
) -> None:
    collection = COLLECTIONS[name](ORG)
    assert collection.get(missing) is None
    sentinel = object()
    assert collection.get(missing, sentinel) is sentinel
    assert missing not in collection
    for lookup in (collection.__getitem__, collection.find):
        with pytest.raises(KeyError) as caught:
            lookup(missing)
        error = caught.value
        assert isinstance(error, UnknownKeyError)
        assert isinstance(error, NotFoundError)  # what callers caught before still works
        assert f"did you mean {closest!r}?" in str(error)
        assert error.context["closest"] == closest
        assert str(error).startswith("no ")


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_get_finds_what_brackets_find(name: str) -> None:
    collection = COLLECTIONS[name](ORG)
    assert len(collection) > 0
    for key, item in collection.items():
        assert collection.get(key) is item is collection.find(key) is item


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
@pytest.mark.parametrize("key", [None, 42, 3.5, ["a"], ("x",), b"raw", "", "not a mac"])
def test_get_never_raises_for_a_key_that_cannot_be_one(name: str, key: object) -> None:
    collection = COLLECTIONS[name](ORG)
    assert collection.get(key) is None
    assert (key in collection) is False


def test_phones_and_prompts_get_like_function_numbers() -> None:
    # Before: Phones.get and PromptLibrary.get raised while FunctionNumbers.get gave None.
    assert ORG.phones.get("08:00:0f:00:00:01") is None
    assert ORG.prompts.get("Nothing here") is None
    assert ORG.functions.get("5502") is not None
    assert ORG.functions.get("5503") is None
    assert ORG.phones.get("08-00-0F-BB-AD-78") is ORG.phones["08000FBBAD78"]


def test_a_long_list_of_keys_is_cut_short() -> None:
    org = load(EXAMPLE)
    keys = org.users.keys()
    with pytest.raises(UnknownKeyError) as caught:
        org.users["nobody-at-all"]
    message = str(caught.value)
    assert message.startswith("no user 'nobody-at-all'; users are: ")
    assert all(repr(key) in message for key in keys)  # 13 users: all listed
    from cloudtel._keyed import unknown_key

    many = [f"user{index}@orange.be" for index in range(100)]
    text = str(unknown_key("user", "x", many))
    assert "'user19@orange.be'" in text
    assert "'user20@orange.be'" not in text
    assert text.endswith("… (80 more)")


ALL_KEYS = sorted({key for name in COLLECTIONS for key, _ in COLLECTIONS[name](ORG).items()})
KEYS = st.one_of(
    st.sampled_from(ALL_KEYS),
    st.sampled_from(ALL_KEYS).map(str.upper),
    st.sampled_from(["08-00-0f-bb-ad-78", "249ad8a1b2c3", "5901", "+32 9 247 06 80"]),
    st.text(max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(COLLECTIONS)), key=KEYS)
def test_get_agrees_with_in_and_brackets(name: str, key: str) -> None:
    collection = COLLECTIONS[name](ORG)
    found = collection.get(key)
    assert (found is not None) == (key in collection)
    if found is None:
        with pytest.raises((KeyError, ValueError)):
            collection[key]
    else:
        assert collection[key] is found


def test_a_large_collection_still_names_the_closest_key() -> None:
    from cloudtel._keyed import unknown_key

    many = [f"agent{index:05d}@orange.be" for index in range(50_000)]
    error = unknown_key("user", "agent31415@orange.b", many)
    assert error.context["closest"] == "agent31415@orange.be"
    assert "… (49980 more)" in str(error)
