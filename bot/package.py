"""`partnerbot package`: fill the Teams app manifest template and zip it with the icons for upload to Teams.

The template (manifest/manifest.json) holds `${{NAME}}` placeholders in the Teams Toolkit style, so the ids
of one deployment never land in the repository. The zip is flat (manifest.json, color.png, outline.png at the
root), as Teams requires, and byte-for-byte reproducible for the same inputs. When the Teams schema from npm
`@microsoft/app-manifest` is installed (`npm ci`), the filled manifest is also validated against it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_DIR = REPO_ROOT / "manifest"
SCHEMA_PACKAGE_DIR = REPO_ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}
PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
HOST = re.compile(r"^(\*\.)?([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+$")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Values a deployment may leave out. The URLs are documentation placeholders: pass your own for production.
DEFAULTS: dict[str, str] = {
    "APP_VERSION": "1.0.0",
    "DEVELOPER_NAME": "PartnerBot",
    "WEBSITE_URL": "https://partnerbot.example.com",
    "PRIVACY_URL": "https://partnerbot.example.com/privacy",
    "TERMS_URL": "https://partnerbot.example.com/terms",
    "BOT_DOMAIN": "",
}


class PackageError(ValueError):
    """The package cannot be built; the message says which input to fix."""


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (no imaging library needed)."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_has_alpha(data: bytes) -> bool:
    """True for colour types with an alpha channel (4, 6) or a tRNS chunk: the outline icon must be transparent."""
    png_size(data)
    colour_type = data[25]
    return colour_type in (4, 6) or b"tRNS" in data


def normalise_domain(value: str) -> str:
    """`https://bot.example.com/api/messages` -> `bot.example.com`; validDomains take host names only."""
    value = value.strip()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.strip("/").lower()
    if value and not HOST.match(value):
        raise PackageError(f"--domain must be a host name such as partnerbot.azurewebsites.net, not {value!r}")
    return value


def fill_placeholders(node: Any, values: Mapping[str, str], missing: set[str]) -> Any:
    """Replace `${{NAME}}` in every string; names without a value are collected in `missing`."""
    if isinstance(node, dict):
        return {k: fill_placeholders(v, values, missing) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_placeholders(v, values, missing) for v in node]
    if isinstance(node, str):
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                missing.add(name)
                return match.group(0)
            return values[name]

        return PLACEHOLDER.sub(sub, node)
    return node


def render_manifest(template: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The template with its placeholders filled; empty domains are dropped. Raises PackageError on bad input."""
    merged = {**DEFAULTS, **{k: v for k, v in values.items() if v is not None}}
    missing: set[str] = set()
    manifest = fill_placeholders(dict(template), merged, missing)
    if missing:
        raise PackageError(f"no value for {', '.join(sorted(missing))} in the manifest template")
    for key, label in (("BOT_ID", "the bot id (--app-id)"), ("TEAMS_APP_ID", "the Teams app id (--teams-app-id)")):
        if key in merged and not GUID.match(merged[key]):
            raise PackageError(f"{label} must be a GUID such as 00000000-0000-0000-0000-000000000000, "
                               f"not {merged[key]!r}")
    if not SEMVER.match(str(manifest.get("version", ""))):
        raise PackageError(f"the app version must look like 1.0.0, not {manifest.get('version')!r}")
    if "validDomains" in manifest:
        manifest["validDomains"] = [d for d in manifest["validDomains"] if d]
    return manifest


def schema_path(manifest_version: str) -> Path | None:
    """The Teams JSON schema for `manifest_version` from npm `@microsoft/app-manifest`, if installed."""
    path = SCHEMA_PACKAGE_DIR / f"v{manifest_version}" / "MicrosoftTeams.schema.json"
    return path if path.is_file() else None


def schema_errors(manifest: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Readable schema violations ("bots/0/scopes/1: ..."), empty when valid. The schema is draft-04."""
    from jsonschema import Draft4Validator

    errors = sorted(Draft4Validator(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    found = [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]
    # draft-04 has no `const`, so the validator ignores the schema's pinned manifestVersion: check it here.
    pinned = (schema.get("properties", {}).get("manifestVersion") or {}).get("const")
    if pinned and manifest.get("manifestVersion") != pinned:
        found.append(f"manifestVersion: {manifest.get('manifestVersion')!r} is not {pinned!r}")
    return found


def check_icons(manifest: Mapping[str, Any], manifest_dir: Path) -> dict[str, bytes]:
    """Read the icons the manifest names and check Teams' size rules; returns file name -> bytes."""
    files: dict[str, bytes] = {}
    for kind, expected in ICON_SIZES.items():
        name = manifest.get("icons", {}).get(kind)
        if not name:
            raise PackageError(f"the manifest names no {kind} icon")
        path = manifest_dir / name
        if not path.is_file():
            raise PackageError(f"the {kind} icon {path} does not exist")
        data = path.read_bytes()
        size = png_size(data)
        if size != expected:
            raise PackageError(f"the {kind} icon must be {expected[0]}x{expected[1]} pixels, not {size[0]}x{size[1]}")
        if kind == "outline" and not png_has_alpha(data):
            raise PackageError("the outline icon must have a transparent background")
        files[name] = data
    return files


def build_package(values: Mapping[str, str], out: Path, *, manifest_dir: Path = MANIFEST_DIR,
                  validate: bool = True) -> dict[str, Any]:
    """Write the app package zip to `out` and return the filled manifest.

    `values` fills the template's placeholders (TEAMS_APP_ID, BOT_ID, BOT_DOMAIN, APP_VERSION, ...). With
    `validate`, the manifest is checked against the Teams schema when that schema is installed.
    """
    template = json.loads((manifest_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest = render_manifest(template, values)
    icons = check_icons(manifest, manifest_dir)
    if validate:
        path = schema_path(str(manifest.get("manifestVersion")))
        if path is not None:
            problems = schema_errors(manifest, json.loads(path.read_text(encoding="utf-8")))
            if problems:
                raise PackageError("the manifest does not match the Teams schema:\n  " + "\n  ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    entries.update(icons)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return manifest


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="partnerbot package",
        description="Build the Teams app package (manifest.json + icons) to upload in Teams or the admin centre.")
    p.add_argument("--app-id", help="the bot's Microsoft App ID (Entra application id); default: MicrosoftAppId")
    p.add_argument("--teams-app-id", help="the Teams app id (a GUID; default: the same as --app-id)")
    p.add_argument("--domain", help="the bot's public host name, added to validDomains (default: BOT_DOMAIN)")
    p.add_argument("--version", dest="app_version", help="app version, e.g. 1.0.1 (raise it for every upload)")
    p.add_argument("--developer-name", help="publisher name shown in Teams")
    p.add_argument("--website-url", help="publisher website (https)")
    p.add_argument("--privacy-url", help="privacy statement (https)")
    p.add_argument("--terms-url", help="terms of use (https)")
    p.add_argument("--manifest-dir", type=Path, default=MANIFEST_DIR, help="template folder (default: manifest/)")
    p.add_argument("--out", type=Path, default=Path("appPackage.zip"), help="zip to write (default: appPackage.zip)")
    p.add_argument("--no-validate", action="store_true", help="skip the Teams schema check")
    return p


def cli_main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    env = os.environ
    app_id = (args.app_id or env.get("MicrosoftAppId") or "").strip()
    if not app_id:
        print("partnerbot package: give --app-id (the bot's Microsoft App ID) or set MicrosoftAppId", file=sys.stderr)
        return 2
    try:
        values = {
            "BOT_ID": app_id,
            "TEAMS_APP_ID": (args.teams_app_id or app_id).strip(),
            "BOT_DOMAIN": normalise_domain(args.domain or env.get("BOT_DOMAIN", "")),
        }
        optional = {"APP_VERSION": args.app_version, "DEVELOPER_NAME": args.developer_name,
                    "WEBSITE_URL": args.website_url, "PRIVACY_URL": args.privacy_url, "TERMS_URL": args.terms_url}
        values.update({k: v.strip() for k, v in optional.items() if v})
        manifest = build_package(values, args.out, manifest_dir=args.manifest_dir, validate=not args.no_validate)
    except (PackageError, OSError, json.JSONDecodeError) as exc:
        print(f"partnerbot package: {exc}", file=sys.stderr)
        return 1
    checked = "" if args.no_validate or schema_path(manifest["manifestVersion"]) else (
        " (Teams schema not installed: run `npm ci` to validate)")
    print(f"wrote {args.out} (Teams app {manifest['id']}, bot {app_id}, version {manifest['version']}){checked}")
    for key in ("WEBSITE_URL", "PRIVACY_URL", "TERMS_URL"):
        if key not in values:
            print(f"note: {key.lower().replace('_', '-')} is the placeholder {DEFAULTS[key]}; pass your own for "
                  f"production", file=sys.stderr)
    return 0
