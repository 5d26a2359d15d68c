"""A second link with the same master and slave is refused with a sentence unless the trader
confirms it is meant; then both are listed as overlapping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from copier.engine.config import Link, LinkOverlap, LinkRules, overlaps
from copier.store import Store


def test_a_second_link_of_the_same_accounts_needs_a_confirmation(tmp_path: Path) -> None:
    with Store.open(path=tmp_path / "c.db") as store:
        first = store.save_link(Link(0, "master", "slave"))
        store.save_link(Link(0, "master", "other"))
        store.save_link(Link(0, "other", "slave"))

        with pytest.raises(LinkOverlap) as refused:
            store.save_link(Link(0, "master", "slave", name="twice"))
        second = store.save_link(Link(0, "master", "slave",
                                      rules=LinkRules(allow_overlap=True)))  # fmt: skip
        edited_first = store.save_link(replace(first, name="renamed"))  # confirmed once: no ask
        links = store.load_links()

    assert str(refused.value).startswith(
        f"link #{first.id} already copies master to slave: a second link would copy every "
        "trade again."
    )
    assert refused.value.others == [first]
    assert edited_first.name == "renamed"
    assert len(links) == 4
    assert overlaps(links) == {first.id: [second.id], second.id: [first.id]}
