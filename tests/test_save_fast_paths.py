"""The fast paths of save (issue 15) give what the plain ones give; a save that changes
nothing writes no journal entry.

- a file as loaded is not read again: the change set comes from the snapshot kept at
  load, and objects still shared with it are not compared (``changes.unchanged``, the
  identity shortcut of ``diff``); the entry is the one a save that reads the previous
  file back gives;
- JSON is written in pieces as it is made (``_json_chunks``): the same text as
  ``dumps``;
- the risk rules look up a user's phones in an index built once: the same phones as
  looking through every phone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import organizations

import cloudtel
from cloudtel import CloudtelError, Organization, User, changes
from cloudtel import serialization as ser
from cloudtel._files import atomic_write_chunks
from cloudtel._journal import JournalEntry, append_entry, read_journal
from cloudtel.changes import ChangeSet, _Context, diff, unchanged
from cloudtel.cli import main
from cloudtel.devices import ExtensionKey, KeyLayout, SipPhone
from cloudtel.org import snapshot
from cloudtel.serialization import dumps, load, save

_EDITS = st.sampled_from(
    ["department", "first name", "same value", "remove", "add", "group", "nothing"]
)


def _edit(org: Organization, kind: str, index: int) -> None:
    """One edit of ``org``; an edit the organisation refuses changes nothing."""
    users = list(org.users)
    user = users[index % len(users)] if users else None
    try:
        if kind == "department" and user is not None:
            org.update_user(user.username, department=f"Dept {index}")
        elif kind == "first name" and user is not None:
            org.update_user(user.username, first_name=f"Renamed{index}")
        elif kind == "same value" and user is not None:  # a new, equal object
            org.update_user(user.username, department=user.department)
        elif kind == "remove" and user is not None:
            org.remove_user(user.username)
        elif kind == "add":
            org.add_user(User(username=f"added{index}@{org.domain}"))
        elif kind == "group" and list(org.groups):
            group = list(org.groups)[index % len(list(org.groups))]
            org.update_group(group.name, description=f"Edited {index}")
    except CloudtelError:
        pass


@st.composite
def _organizations_with_phones(draw: st.DrawFn) -> Organization:
    """An organisation whose users have a phone each, watching a colleague on a key."""
    org = draw(organizations())
    users = [user.username for user in org.users]
    for index, username in enumerate(users):
        if draw(st.booleans()):
            colleague = users[(index + 1) % len(users)]
            layout = KeyLayout({"L2": ExtensionKey(username=colleague)})
            phone = SipPhone(mac=f"0800000000{index:02x}", family="dummy", model="D1")
            org.phones.add(attrs.evolve(phone, user=username, layout=layout))
    return org


def _plain_diff() -> Any:
    """Within it, diff compares every object (no proof of "unchanged" first)."""
    return mock.patch.object(changes, "unchanged", return_value=False)


def _entry_fields(entry: JournalEntry) -> dict[str, Any]:
    """What a journal entry says, without when it was made."""
    return {
        "entry": entry.entry,
        "sha256": entry.sha256,
        "changes": entry.changes.to_json(),
        "before": dict(entry.before),
        "after": dict(entry.after),
        "refs": dict(entry.refs),
        "created": entry.created,
        "merged": entry.merged,
        "journaled": entry.journaled,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    org=_organizations_with_phones(),
    edits=st.lists(st.tuples(_EDITS, st.integers(0, 20)), max_size=4),
    fmt=st.sampled_from(["json", "toml"]),
)
def test_the_journal_entry_of_the_fast_path_is_the_one_of_reading_the_file_back(
    org: Organization, edits: list[tuple[str, int]], fmt: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / side / f"organization.{fmt}" for side in ("fast", "slow")]
        for path in paths:
            save(org, path)
        fast, slow = load(paths[0]), load(paths[1])
        object.__setattr__(slow, "_base_org", None)  # no snapshot: read the file back
        for kind, index in edits:
            _edit(fast, kind, index)
            _edit(slow, kind, index)
        fast_entry = save(fast, paths[0])
        with _plain_diff():
            slow_entry = save(slow, paths[1])
        assert _entry_fields(fast_entry) == _entry_fields(slow_entry)
        assert paths[0].read_bytes() == paths[1].read_bytes()
        journals = [read_journal(path) for path in paths]
        assert [_entry_fields(e) for e in journals[0]] == [_entry_fields(e) for e in journals[1]]
        # and what was saved is what the organisation holds
        with _plain_diff():
            assert not diff(load(paths[0]), fast)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=organizations(), edits=st.lists(st.tuples(_EDITS, st.integers(0, 20)), max_size=4))
def test_unchanged_is_never_wrong(org: Organization, edits: list[tuple[str, int]]) -> None:
    base = snapshot(org)
    assert unchanged(base, org)
    for kind, index in edits:
        _edit(org, kind, index)
    reread_base, reread = cloudtel.loads(dumps(base)), cloudtel.loads(dumps(org))
    with _plain_diff():  # nothing shared, nothing proven: every object compared
        plain = diff(reread_base, reread)
    if unchanged(base, org):
        assert not plain
    assert diff(base, org).to_json() == plain.to_json()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=organizations(), chunk=st.sampled_from([1, 3, 65_536]))
def test_json_written_in_pieces_is_the_text_of_dumps(org: Organization, chunk: int) -> None:
    with mock.patch.object(ser, "_CHUNK_PARTS", chunk):
        pieces = list(ser._json_chunks(org))
    assert "".join(pieces) == dumps(org, "json")
    if chunk == 1 and list(org.users):  # handed on after every user at least
        assert len(pieces) > len(list(org.users))


_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


@given(value=_PLAIN, depth=st.integers(0, 4))
def test_writing_without_none_is_dropping_none_then_writing(value: Any, depth: int) -> None:
    expected = json.dumps(ser._drop_none(value), ensure_ascii=False, indent=2)
    parts: list[str] = []
    ser._write_json(value, "\n", parts, True)
    assert "".join(parts) == expected
    out: list[str] = []
    streamed = "".join([*ser._stream_json(value, "\n", out, depth), *out])
    assert streamed == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    org=_organizations_with_phones(),
    edits=st.lists(st.tuples(_EDITS, st.integers(0, 20)), max_size=3),
)
def test_the_phones_of_a_user_are_the_ones_showing_them(
    org: Organization, edits: list[tuple[str, int]]
) -> None:
    base = snapshot(org)
    for kind, index in edits:
        _edit(org, kind, index)
    context = _Context(base, org, dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    names = {u.username for u in (*base.users, *org.users)} | {"nobody@example.be"}
    for name in names:
        expected: list[str] = []
        for state in (base, org):
            for phone in state.phones:
                if phone.user == name or name in phone.layout.usernames():
                    expected.append(str(phone.mac))
        assert context.phones_of(name) == list(dict.fromkeys(expected))


# --- a save that changes nothing ------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path, example_path: Path) -> Path:
    """A copy of the example organisation's folder."""
    target = tmp_path / "org"
    shutil.copytree(example_path.parent, target)
    return target


def test_a_save_that_changes_nothing_writes_no_journal_entry(folder: Path) -> None:
    path = folder / "organization.toml"
    org = load(path)
    entry = save(org, path)
    assert (entry.journaled, entry.entry, entry.changes) == (False, 0, ChangeSet())
    assert "no journal entry (nothing changed)" in entry.summary()
    assert read_journal(path) == []
    assert load(path) == org  # the file is written all the same
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    first = save(org, path)
    assert (first.journaled, first.entry) == (True, 1)
    assert not save(org, path).journaled  # saved again as it is: nothing new
    # an edit undone before saving changes nothing either
    org.update_user("adel.alkoubaisy@orange.be", department="Elsewhere")
    org.update_user("adel.alkoubaisy@orange.be", department="Support")
    assert not save(org, path).journaled
    assert [e.entry for e in read_journal(path)] == [1]


def test_a_new_file_is_journaled_even_with_nothing_changed(folder: Path) -> None:
    org = load(folder / "organization.toml")
    copy = folder / "copy" / "organization.json"
    entry = save(org, copy)
    assert (entry.journaled, entry.created, entry.entry) == (True, True, 1)


def test_reverting_an_entry_that_changed_nothing_says_so_and_journals_nothing(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """Journals written before this fix hold entries of saves that changed nothing."""
    path = folder / "organization.toml"
    append_entry(
        path, who="old cloudtel", sha256="", changes=ChangeSet(), before={}, after={}, refs={}
    )
    assert main(["revert", str(path), "1"]) == 0
    out = capsys.readouterr().out
    assert "reverting entry 1 changes nothing (no journal entry written)" in out
    assert [e.entry for e in read_journal(path)] == [1]


def test_a_merge_after_a_save_still_has_its_base(folder: Path) -> None:
    """save keeps the snapshot (not the file's bytes) as the next merge's base."""
    path = folder / "organization.json"
    save(load(folder / "organization.toml"), path)
    mine = load(path)
    mine.update_user("adel.alkoubaisy@orange.be", department="Mine")
    save(mine, path)
    assert mine._base is None
    theirs = load(path)
    theirs.update_user("demo.user@orange.be", department="Theirs")
    save(theirs, path)
    mine.update_user("adel.alkoubaisy@orange.be", department="Mine again")
    entry = save(mine, path)
    assert entry.merged
    assert entry.changes.objects() == [("user", "adel.alkoubaisy@orange.be")]
    final = load(path)
    assert final.user("demo.user@orange.be").department == "Theirs"
    assert final.user("adel.alkoubaisy@orange.be").department == "Mine again"


# --- writing in pieces --------------------------------------------------------------------


def test_a_failure_while_writing_in_pieces_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "organization.json"
    target.write_bytes(b"old")

    def pieces() -> Any:
        yield b"new, half"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write_chunks(target, pieces())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["organization.json"]


def test_json_the_piecewise_writer_leaves_to_json_dumps_is_written_the_plain_way(
    folder: Path,
) -> None:
    path = folder / "organization.json"
    org = load(folder / "organization.toml")

    def not_plain(_org: Organization) -> Any:
        yield '{\n  "schema_version": 1'
        raise ser._NotPlainError

    with mock.patch.object(ser, "_json_chunks", not_plain):
        entry = save(org, path)
    assert path.read_text(encoding="utf-8") == dumps(org, "json")
    assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".organization.json")) == [
        ".organization.json.lock"
    ]
