"""Names as the search matches them: ``name_key`` folding and prefix ranges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthvisitor.domain.names import after_every_extension, name_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Zoë O'Brien-Smith", "zoe obrien smith"),
        ("ZOË", "zoe"),
        ("Chloé", "chloe"),  # é as one code point
        ("Chloe\u0301", "chloe"),  # e + combining acute: the same key
        ("D’Souza", "dsouza"),  # typographic apostrophe
        ("Smith–Jones", "smith jones"),  # en dash typed for a hyphen
        ("  Mary   Ann ", "mary ann"),
        ("Strauß", "strauss"),
        ("Søren", "soren"),
        ("Łucja", "lucja"),
        ("Ægir", "aegir"),
        ("St. John", "st john"),
        ("Иван", "иван"),  # other scripts are kept, in lower case
        ("", ""),
    ],
)
def test_name_key_folds_case_accents_and_punctuation(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("smi", "smj"),
        ("z", "{"),
        ("ob", "oc"),
        ("a\ud7ff", "a\ue000"),  # never a surrogate, which cannot be stored
        ("a\U0010ffff", "b"),
        ("\U0010ffff", None),
        ("", None),
    ],
)
def test_after_every_extension_is_the_next_string_after_the_prefix(
    prefix: str, bound: str | None
) -> None:
    assert after_every_extension(prefix) == bound


@given(st.text(max_size=6), st.text(max_size=6))
def test_a_prefix_range_holds_exactly_the_words_that_start_with_it(prefix: str, word: str) -> None:
    # Python compares strings by code point, as SQLite (UTF-8 bytes) and
    # PostgreSQL's COLLATE "C" do: the range is what the search asks the index for.
    bound = after_every_extension(prefix)
    in_range = prefix <= word and (bound is None or word < bound)
    assert in_range == word.startswith(prefix)
