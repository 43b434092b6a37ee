"""A second provisioning run renders only the phones whose inputs changed.

The manifest keeps a digest of each phone's inputs and each file's size and time
stamp; a phone with the same digest whose files are as written is not rendered again.
The law: after any change, provisioning the folder again leaves exactly the files a
run into an empty folder writes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.property.test_render_batch_laws import provisioned

from cloudtel import Organization
from cloudtel import provisioning as provisioning_module
from cloudtel.devices import PhoneNumberKey
from cloudtel.plugins import get_plugin_manager, render_fingerprint
from cloudtel.provisioning import (
    MANIFEST,
    FileChange,
    ProvisioningReport,
    ProvisioningSettings,
    provision,
)

STEVEN = "steven.lathouwers@orange.be"
SETTINGS = ProvisioningSettings(
    server_url="http://prov.example/", sip_passwords={STEVEN: "Secret-1234"}
)
MITEL = "08000FBBAD78"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def _not_rendered(report: ProvisioningReport) -> list[str]:
    """The files reported unchanged without being rendered (the skipped phones')."""
    return [f.path for p in report.phones for f in p.files if f.after is None]


def test_a_second_run_renders_no_phone_and_reads_none_of_their_files(
    example_org: Organization, tmp_path: Path
) -> None:
    first = provision(example_org, tmp_path, SETTINGS)
    again = provision(example_org, tmp_path, SETTINGS)
    assert again.written == 0
    own = sorted(f.path for p in first.phones for f in p.files if f.phone != "shared")
    assert sorted(_not_rendered(again)) == own
    assert again.count(FileChange.UNCHANGED) == len(first.files)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["version"] == 3
    assert set(manifest["phones"][MITEL]) == {"accounts", "inputs"}
    assert "Secret-1234" not in (tmp_path / MANIFEST).read_text()


def test_a_changed_key_renders_that_phone_only(example_org: Organization, tmp_path: Path) -> None:
    provision(example_org, tmp_path, SETTINGS)
    example_org.phones.set_key(MITEL, "L5", PhoneNumberKey(label="Pizza", number="+3293301122"))
    again = provision(example_org, tmp_path, SETTINGS)
    assert [(f.path, f.change) for f in again.files if f.change != FileChange.UNCHANGED] == [
        ("08000FBBAD78.cfg", FileChange.CHANGED)
    ]
    assert "08000FBBAD78.cfg" not in _not_rendered(again)
    assert "topsoftkey5 label: Pizza" in (tmp_path / "08000FBBAD78.cfg").read_text()


def test_a_file_changed_behind_cloudtels_back_is_written_again(
    example_org: Organization, tmp_path: Path
) -> None:
    provision(example_org, tmp_path, SETTINGS)
    target = tmp_path / "08000FBBAD78.cfg"
    good = target.read_bytes()
    target.write_bytes(good.replace(b"topsoftkey", b"topsoftkeY"))  # same size, new time
    again = provision(example_org, tmp_path, SETTINGS)
    assert [(f.path, f.change) for f in again.files if f.change != FileChange.UNCHANGED] == [
        ("08000FBBAD78.cfg", FileChange.CHANGED)
    ]
    assert target.read_bytes() == good


def test_recheck_compares_a_file_whose_time_stamp_was_put_back(
    example_org: Organization, tmp_path: Path
) -> None:
    provision(example_org, tmp_path, SETTINGS)
    target = tmp_path / "08000FBBAD78.cfg"
    good = target.read_bytes()
    info = target.stat()
    target.write_bytes(good.replace(b"topsoftkey", b"topsoftkeY"))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    # Same size and time stamp: the quick check trusts it (as rsync and make do) …
    assert provision(example_org, tmp_path, SETTINGS).written == 0
    # … and recheck renders and compares every phone.
    again = provision(example_org, tmp_path, SETTINGS, recheck=True)
    assert [f.path for f in again.files if f.change == FileChange.CHANGED] == ["08000FBBAD78.cfg"]
    assert _not_rendered(again) == []
    assert target.read_bytes() == good


def test_a_deleted_file_is_written_again(example_org: Organization, tmp_path: Path) -> None:
    provision(example_org, tmp_path, SETTINGS)
    (tmp_path / "08000FBBAD78.cfg").unlink()
    again = provision(example_org, tmp_path, SETTINGS)
    assert [(f.path, f.change) for f in again.files if f.change != FileChange.UNCHANGED] == [
        ("08000FBBAD78.cfg", FileChange.ADDED)
    ]


def test_other_rendering_code_renders_every_phone_again(
    example_org: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provision(example_org, tmp_path, SETTINGS)
    monkeypatch.setattr(provisioning_module, "render_fingerprint", lambda: "another driver")
    again = provision(example_org, tmp_path, SETTINGS)
    assert again.written == 0
    assert _not_rendered(again) == []


def test_the_fingerprint_follows_the_registered_plugins() -> None:
    before = render_fingerprint()
    assert render_fingerprint() == before

    class Extra:
        pass

    pm = get_plugin_manager()
    pm.register(Extra(), name="extra")
    try:
        assert render_fingerprint() != before
    finally:
        pm.unregister(name="extra")
    assert render_fingerprint() == before


MUTATIONS = ("nothing", "key", "rename", "password", "server", "description", "remove", "add")


def _mutate(
    org: Organization, prov: ProvisioningSettings, what: str, data: st.DataObject
) -> ProvisioningSettings:
    phones = list(org.phones)
    users = [user.username for user in org.users]
    if what == "key" and phones:
        phone = data.draw(st.sampled_from(phones))
        org.phones.phones = tuple(
            p.__class__(**{**_fields(p), "layout": p.layout.with_key("L2", _speed_dial())})
            if p is phone
            else p
            for p in phones
        )
    elif what == "rename" and users:
        org.update_user(data.draw(st.sampled_from(users)), first_name="Renamed")
    elif what == "password" and users:
        passwords = dict(prov.sip_passwords)
        passwords[data.draw(st.sampled_from(users))] = data.draw(
            st.sampled_from(("new-Pw-1", "bad pw", ""))
        )
        return _evolve(prov, sip_passwords={u: p for u, p in passwords.items() if p})
    elif what == "server":
        return _evolve(prov, server_url="http://other.example/prov/")
    elif what == "description" and phones:
        phone = data.draw(st.sampled_from(phones))
        org.phones.phones = tuple(
            p.__class__(**{**_fields(p), "description": "moved"}) if p is phone else p
            for p in phones
        )
    elif what == "remove" and phones:
        org.phones.phones = tuple(phones[1:])
    elif what == "add" and phones:
        first = phones[0]
        org.phones.phones = (
            *phones,
            first.__class__(**{**_fields(first), "mac": "0a0000000001"}),
        )
    return prov


def _speed_dial() -> PhoneNumberKey:
    return PhoneNumberKey(label="Later", number="+3293301122")


def _fields(phone: object) -> dict[str, object]:
    return {f.name: getattr(phone, f.name) for f in attrs.fields(type(phone))}


def _evolve(prov: ProvisioningSettings, **changes: Any) -> ProvisioningSettings:
    return attrs.evolve(prov, **changes)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(provisioned(), st.sampled_from(MUTATIONS), st.data())
def test_provisioning_again_after_a_change_leaves_what_a_fresh_run_writes(
    case: tuple[Organization, ProvisioningSettings], mutation: str, data: st.DataObject
) -> None:
    org, prov = case
    with tempfile.TemporaryDirectory() as kept, tempfile.TemporaryDirectory() as fresh:
        first = provision(org, kept, prov, allow_disable=True)
        prov = _mutate(org, prov, mutation, data)
        again = provision(org, kept, prov, allow_disable=True, remove_stale=True)
        new = provision(org, fresh, prov, allow_disable=True)
        # A phone that cannot be rendered now keeps the files it had (a fresh run has none),
        # and then so do the files phones share.
        failed = {p.phone.name for p in again.phones if p.error}
        left = {f.path for p in first.phones if p.phone.name in failed for f in p.files}
        if failed:
            left |= {f.path for f in first.files if f.phone == "shared"}
        kept_files = left - {f.path for f in new.files}
        assert {k: v for k, v in _files(Path(kept)).items() if k not in kept_files} == _files(
            Path(fresh)
        )
        assert again.errors == new.errors
        assert [p.phone.name for p in again.phones] == [p.phone.name for p in new.phones]
        # Reported per phone: the same files, whether rendered or not.
        assert [sorted(f.path for f in p.files) for p in again.phones] == [
            sorted(f.path for f in p.files) for p in new.phones
        ]
