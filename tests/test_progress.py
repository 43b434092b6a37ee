"""Progress of long work: provisioning thousands of phones, importing big spreadsheets."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudtel import Organization, import_csv, provision, save
from cloudtel._progress import with_progress
from cloudtel.cli import main
from cloudtel.provisioning import ProvisioningSettings


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=300))
def test_progress_counts_up_to_the_total_and_yields_every_item(total: int, every: int) -> None:
    calls: list[tuple[int, int]] = []
    items = list(with_progress(range(total), lambda d, t: calls.append((d, t)), every=every))
    assert items == list(range(total))
    assert all(t == total for _d, t in calls)
    assert [d for d, _t in calls] == sorted({*range(every, total + 1, every), total} - {0})


def test_provisioning_tells_how_many_phones_are_rendered(
    example_org: Organization, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    settings = ProvisioningSettings(sip_passwords={"steven.lathouwers@orange.be": "x-Secret-1"})
    provision(example_org, tmp_path / "prov", settings, progress=lambda d, t: calls.append((d, t)))
    phones = len(example_org.phones)
    assert calls[-1] == (phones, phones)


def test_the_contacts_import_tells_how_many_rows_are_read(example_org: Organization) -> None:
    rows = "\n".join(f"Contact{i},Company,+3292470{i:03d}" for i in range(600))
    calls: list[tuple[int, int]] = []
    report = import_csv(
        example_org,
        "org",
        "first name,company,work phone\n" + rows + "\n",
        progress=lambda d, t: calls.append((d, t)),
    )
    assert report.applied
    assert calls == [(256, 600), (512, 600), (600, 600)]


def test_provision_draws_a_bar_on_a_terminal_only(
    example_org: Organization,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    org_file = tmp_path / "org" / "organization.toml"
    org_file.parent.mkdir()
    save(example_org, org_file)
    out = tmp_path / "prov"
    assert main(["provision", str(org_file), "--out", str(out), "--allow-disable"]) == 0
    assert "\x1b[K" not in capsys.readouterr().err  # not a terminal: no bar
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["provision", str(org_file), "--out", str(out), "--allow-disable"]) == 0
    drawn = terminal.getvalue()
    assert drawn.endswith("\r\x1b[K")  # the bar's line is cleared at the end


def test_contacts_import_draws_its_bar_on_a_terminal(
    example_org: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org_file = tmp_path / "org" / "organization.toml"
    org_file.parent.mkdir()
    save(example_org, org_file)
    csv = tmp_path / "contacts.csv"
    rows = "\n".join(f"Contact{i},Company,+3292470{i:03d}" for i in range(600))
    csv.write_text("first name,company,work phone\n" + rows + "\n")
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    argv = ["contacts", "import", str(org_file), str(csv), "--scope", "org"]
    assert main(argv) == 0
    drawn = terminal.getvalue()
    assert "reading rows" in drawn
    assert "256/600" in drawn
    assert drawn.endswith("\r\x1b[K")
