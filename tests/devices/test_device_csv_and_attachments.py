"""The device CSV parser and the attachment reader, on their own: both Autopilot CSV shapes, encodings Windows
tools write, rows rejected by number, and which attachments of an activity are files (Teams and the Playground)."""

from __future__ import annotations

from types import SimpleNamespace

from bot.attachments import TEAMS_FILE, candidates, fetch_files
from dialogs.device_csv import looks_like_rows, parse_devices


def test_hardware_hash_csv_in_utf16_with_bom_as_get_windowsautopilotinfo_writes_it():
    text = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\r\nABC123,,T0Fx==,Sales\r\n"
    parsed = parse_devices(text.encode("utf-16"))
    assert parsed.error is None
    assert parsed.devices == [{"serialNumber": "ABC123", "hardwareHash": "T0Fx==", "groupTag": "Sales"}]


def test_serial_manufacturer_model_shape_and_rejections_by_row():
    csv = ("Serial Number,Manufacturer,Model\n"
           "S1,Dell Inc.,Latitude\n"
           "S2,HP,\n"            # row 3: model missing -> no accepted combination
           "s1,Dell Inc.,Latitude\n"  # row 4: repeats row 2 (case-insensitive)
           "S3,HP,EliteBook,extra\n")  # row 5: more cells than columns
    parsed = parse_devices(csv)
    assert [d["serialNumber"] for d in parsed.devices] == ["S1"]
    assert [(r.row, r.reason) for r in parsed.rejected] == [(3, "no_identification"), (4, "duplicate_serial"),
                                                            (5, "too_many_cells")]


def test_whole_file_problems():
    assert parse_devices(b"just,some,words\n1,2,3\n").error == "no_header"
    assert parse_devices(b"").error == "no_header"
    assert parse_devices(b"Device Serial Number,Hardware Hash\n").error == "empty"
    assert parse_devices(b"\x00\x01\x02binary").error in ("not_text", "no_header")
    big = "Hardware Hash\n" + "\n".join(f"H{n}" for n in range(1002))
    assert parse_devices(big).error == "too_many_rows"


def test_pasted_rows_are_recognised_only_with_a_device_header():
    assert looks_like_rows("Serial Number,Manufacturer,Model\nS1,HP,X")
    assert not looks_like_rows("show contoso, fabrikam\nand more")
    assert not looks_like_rows("Serial Number,Manufacturer,Model")


def test_teams_and_playground_attachments_are_files_but_message_copies_are_not():
    teams = SimpleNamespace(content_type=TEAMS_FILE, name="devices", content_url=None,
                            content={"downloadUrl": "https://contoso.sharepoint.com/x", "fileType": "csv"})
    playground = SimpleNamespace(content_type="text/csv", name="devices.csv", content_url="http://127.0.0.1:1/f",
                                 content=None)
    html = SimpleNamespace(content_type="text/html", name=None, content_url=None, content="<p>hi</p>")
    assert candidates([teams, playground, html]) == [
        ("devices.csv", TEAMS_FILE, "https://contoso.sharepoint.com/x"),
        ("devices.csv", "text/csv", "http://127.0.0.1:1/f")]


async def test_plain_http_and_non_loopback_hosts_are_never_fetched_outside_development():
    remote = SimpleNamespace(content_type="text/csv", name="d.csv", content_url="http://10.1.2.3/f", content=None)
    [result] = await fetch_files([remote], allow_loopback_http=True)
    assert result.error == "unreadable" and result.data is None
    local = SimpleNamespace(content_type="text/csv", name="d.csv", content_url="http://127.0.0.1:9/f", content=None)
    [result] = await fetch_files([local], allow_loopback_http=False)
    assert result.error == "unreadable"
