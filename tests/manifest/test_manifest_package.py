"""The Teams app package: the manifest template filled by `partnerbot package` validates against the Teams schema
shipped in npm `@microsoft/app-manifest`, and the zip has the layout and icon sizes Teams requires."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from bot import package
from bot.cli import main as partnerbot
from dialogs.registry import registry

APP_ID = "6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7"
TEAMS_APP_ID = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f2a3b4c5d"
TEMPLATE = json.loads((package.MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
MANIFEST_VERSION = TEMPLATE["manifestVersion"]


def _schema() -> dict:
    path = package.schema_path(MANIFEST_VERSION)
    if path is None:
        reason = (f"the Teams schema v{MANIFEST_VERSION} from npm @microsoft/app-manifest is not installed "
                  f"(run scripts/setup-node.sh or `make test`, which runs npm ci)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict:
    return _schema()


def _build(tmp_path: Path, *argv: str) -> tuple[int, Path]:
    out = tmp_path / "appPackage.zip"
    code = partnerbot(["package", "--app-id", APP_ID, "--out", str(out), *argv])
    return code, out


def _read_zip(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(files["manifest.json"]), files


# --- the template itself ------------------------------------------------------------------------------------


def test_template_is_on_schema_1_22_with_placeholders_for_ids():
    assert MANIFEST_VERSION == "1.22"
    assert TEMPLATE["$schema"].endswith(f"/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    assert TEMPLATE["id"] == "${{TEAMS_APP_ID}}"
    assert TEMPLATE["bots"][0]["botId"] == "${{BOT_ID}}"
    # No real id of any deployment is committed.
    text = json.dumps(TEMPLATE)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text, re.I)


def test_template_placeholders_all_have_a_source():
    names = set(package.PLACEHOLDER.findall(json.dumps(TEMPLATE)))
    assert names <= set(package.DEFAULTS) | {"TEAMS_APP_ID", "BOT_ID"}, names


def test_bot_scopes_and_command_lists():
    bot = TEMPLATE["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    covered = {scope for lst in bot["commandLists"] for scope in lst["scopes"]}
    assert covered == {"personal", "team", "groupChat"}
    for lst in bot["commandLists"]:
        titles = [c["title"] for c in lst["commands"]]
        assert len(titles) == len(set(titles)), "duplicate command titles"
        assert "help" in titles
        for command in lst["commands"]:
            assert 0 < len(command["title"]) <= 32, command  # Teams shows at most 32 characters of a title
            assert command["description"].strip()


EXPECTED_INTENTS = {
    "help": "help", "show my customers": "customers.list", "show subscriptions": "subscriptions.list",
    "change seats": "subscriptions.change_quantity", "purchase licences": "orders.purchase",
    "my pending approvals": "approvals.pending", "pending approvals": "approvals.pending",
    "show orders": "orders.list", "show invoices": "invoices.list",
    "show open service requests": "service_requests.list", "who am i": "whoami",
}


async def test_every_command_title_is_understood_by_the_bot():
    # Picking a command in Teams sends its title as the message: the offline recognizer must map it to the
    # intent the description promises, and that intent must be a registered operation.
    import dialogs.ops  # noqa: F401  (fills the registry)
    from intents.offline import OfflineRecognizer

    recognizer = OfflineRecognizer()
    for lst in TEMPLATE["bots"][0]["commandLists"]:
        for command in lst["commands"]:
            title = command["title"]
            expected = EXPECTED_INTENTS[title.lower()]
            result = await recognizer.recognize(title, None)
            assert result.intent == expected, (title, result.intent, result.score)
            assert registry.get(expected) is not None, expected


def test_developer_fields_and_domains_in_template():
    dev = TEMPLATE["developer"]
    assert {"name", "websiteUrl", "privacyUrl", "termsOfUseUrl"} <= set(dev)
    assert "token.botframework.com" in TEMPLATE["validDomains"]


def test_committed_icons_have_teams_sizes():
    color = (package.MANIFEST_DIR / TEMPLATE["icons"]["color"]).read_bytes()
    outline = (package.MANIFEST_DIR / TEMPLATE["icons"]["outline"]).read_bytes()
    assert package.png_size(color) == (192, 192)
    assert package.png_size(outline) == (32, 32)
    assert package.png_has_alpha(outline)


def test_outline_icon_is_white_on_transparent():
    pixels = _decode_rgba(package.MANIFEST_DIR / TEMPLATE["icons"]["outline"])
    alphas = [a for _, _, _, a in pixels]
    assert min(alphas) == 0 and max(alphas) == 255, "needs both transparent and opaque pixels"
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0), "outline pixels must be white"


# --- the built package ------------------------------------------------------------------------------------


def test_package_zip_layout_and_icons(tmp_path, capsys):
    code, out = _build(tmp_path)
    assert code == 0, capsys.readouterr().err
    manifest, files = _read_zip(out)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]  # flat: Teams rejects sub-folders
    assert package.png_size(files[manifest["icons"]["color"]]) == (192, 192)
    assert package.png_size(files[manifest["icons"]["outline"]]) == (32, 32)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert "${{" not in files["manifest.json"].decode()
    assert str(out) in capsys.readouterr().out


def test_package_fills_every_option_and_validates(tmp_path, schema):
    code, out = _build(tmp_path, "--teams-app-id", TEAMS_APP_ID, "--domain", "https://pb.azurewebsites.net/api/messages",
                       "--version", "2.3.4", "--developer-name", "Contoso Partner", "--website-url",
                       "https://partner.example.org", "--privacy-url", "https://partner.example.org/p",
                       "--terms-url", "https://partner.example.org/t")
    assert code == 0
    manifest, _ = _read_zip(out)
    assert manifest["id"] == TEAMS_APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "2.3.4"
    assert manifest["validDomains"] == ["token.botframework.com", "pb.azurewebsites.net"]
    assert manifest["developer"] == {"name": "Contoso Partner", "websiteUrl": "https://partner.example.org",
                                     "privacyUrl": "https://partner.example.org/p",
                                     "termsOfUseUrl": "https://partner.example.org/t"}
    assert package.schema_errors(manifest, schema) == []


def test_default_package_matches_teams_schema(tmp_path, schema):
    code, out = _build(tmp_path)
    assert code == 0
    manifest, _ = _read_zip(out)
    assert manifest["validDomains"] == ["token.botframework.com"]  # no empty domain left behind
    assert package.schema_errors(manifest, schema) == []


def test_schema_check_catches_real_mistakes(schema):
    good = package.render_manifest(TEMPLATE, {"TEAMS_APP_ID": TEAMS_APP_ID, "BOT_ID": APP_ID})
    assert package.schema_errors(good, schema) == []
    bad = json.loads(json.dumps(good))
    bad["bots"][0]["scopes"].append("meeting")
    bad["description"]["short"] = "x" * 81
    del bad["developer"]["privacyUrl"]
    bad["manifestVersion"] = "1.21"
    errors = "\n".join(package.schema_errors(bad, schema))
    assert "bots/0/scopes/3" in errors and "description/short" in errors
    assert "privacyUrl" in errors and "manifestVersion" in errors


def test_package_is_reproducible(tmp_path):
    _, first = _build(tmp_path / "a")
    _, second = _build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_app_id_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    out = tmp_path / "env.zip"
    assert partnerbot(["package", "--out", str(out)]) == 0
    manifest, _ = _read_zip(out)
    assert manifest["bots"][0]["botId"] == APP_ID


@pytest.mark.parametrize("argv, message", [
    (["--app-id", "not-a-guid"], "--app-id"),
    (["--app-id", APP_ID, "--teams-app-id", "123"], "--teams-app-id"),
    (["--app-id", APP_ID, "--version", "1.0"], "1.0.0"),
    (["--app-id", APP_ID, "--domain", "bad domain!"], "--domain"),
])
def test_bad_input_is_refused_with_a_reason(tmp_path, capsys, argv, message):
    out = tmp_path / "x.zip"
    assert partnerbot(["package", *argv, "--out", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_app_id_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert partnerbot(["package", "--out", str(tmp_path / "x.zip")]) == 2
    assert "--app-id" in capsys.readouterr().err


def test_wrong_icon_size_is_refused(tmp_path, capsys):
    from scripts.make_icons import png_bytes

    folder = tmp_path / "manifest"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(TEMPLATE), encoding="utf-8")
    (folder / "color.png").write_bytes(png_bytes(96, 96, [(0, 0, 0, 255)] * 96 * 96))
    (folder / "outline.png").write_bytes((package.MANIFEST_DIR / "outline.png").read_bytes())
    code = partnerbot(["package", "--app-id", APP_ID, "--manifest-dir", str(folder), "--out", str(tmp_path / "x.zip")])
    assert code == 1
    assert "192x192" in capsys.readouterr().err


def test_unknown_placeholder_is_refused():
    template = dict(TEMPLATE, name={"short": "${{MYSTERY}}"})
    with pytest.raises(package.PackageError, match="MYSTERY"):
        package.render_manifest(template, {"TEAMS_APP_ID": TEAMS_APP_ID, "BOT_ID": APP_ID})


def test_icons_are_what_the_generator_draws():
    # The committed PNGs are reproducible from scripts/make_icons.py (no hand-edited binaries).
    from scripts.make_icons import color_icon, outline_icon

    assert (package.MANIFEST_DIR / "color.png").read_bytes() == color_icon()
    assert (package.MANIFEST_DIR / "outline.png").read_bytes() == outline_icon()


def _decode_rgba(path: Path) -> list[tuple[int, int, int, int]]:
    """Decode an 8-bit RGBA, non-interlaced PNG with filter type 0 rows (what make_icons writes)."""
    import struct
    import zlib

    data = path.read_bytes()
    width, height = package.png_size(data)
    assert data[24] == 8 and data[25] == 6, "expected 8-bit RGBA"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    pixels = []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        assert row[0] == 0, "unexpected PNG filter"
        pixels += [tuple(row[1 + x * 4:5 + x * 4]) for x in range(width)]
    return pixels
