"""bot/roles.py: JSON and YAML roles files, object id vs UPN matching, the default role, refusals with clear
messages, and a bad PARTNERBOT_ROLES_FILE stopping `partnerbot serve` at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError
from bot.roles import RolesFile, RolesFileError, load_roles
from dialogs.policy import AllowAll
from dialogs.turn import User

ROOT = Path(__file__).resolve().parents[2]
OID = "00000000-0000-0000-0000-0000000000a1"
OTHER_OID = "00000000-0000-0000-0000-0000000000b2"


def user(oid: str | None = None, upn: str | None = None, uid: str = "29:teams-id") -> User:
    return User(id=uid, name="Someone", aad_object_id=oid, upn=upn)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_file_matches_object_id_then_upn_then_default(tmp_path):
    path = write(tmp_path, "roles.json", json.dumps({
        "default": ["viewer"],
        "users": {OID: ["agent", "approver"], "Ada@Contoso.com": ["purchaser"]},
    }))
    policy = load_roles(path)
    # listed users hold the default roles too
    assert policy.roles_for(user(OID)) == {"viewer", "agent", "approver"}
    # Object id wins over UPN when both are configured for different entries.
    assert policy.roles_for(user(OID, "ada@contoso.com")) == {"viewer", "agent", "approver"}
    assert policy.roles_for(user(OTHER_OID, "ADA@contoso.COM")) == {"viewer", "purchaser"}  # UPN, case-insensitive
    # object ids compare case-insensitively
    assert policy.roles_for(user(OID.upper())) == {"viewer", "agent", "approver"}
    assert policy.roles_for(user(OTHER_OID, "bob@contoso.com")) == {"viewer"}
    assert policy.roles_for(user()) == {"viewer"}


def test_yaml_file_and_explicit_empty_default(tmp_path):
    path = write(tmp_path, "roles.yaml", f"default: []\nusers:\n  {OID}: [viewer, agent]\n  bob@contoso.com:\n"
                                         "    - approver\n")
    policy = load_roles(path)
    assert policy.roles_for(user(OID)) == {"viewer", "agent"}
    assert policy.roles_for(user(upn="bob@contoso.com")) == {"approver"}
    assert policy.roles_for(user(OTHER_OID)) == frozenset()


def test_default_role_when_not_given_is_viewer():
    assert RolesFile({"users": {}}).roles_for(user(OID)) == {"viewer"}


def test_no_file_means_everyone_holds_every_role():
    assert isinstance(load_roles(None), AllowAll) and isinstance(load_roles(""), AllowAll)


@pytest.mark.parametrize("name, text, problem", [
    ("roles.json", json.dumps({"users": {OID: ["agent", "superuser"]}}), "unknown role(s) for '" + OID),
    ("roles.yaml", "default: [owner]\n", "unknown role(s) for 'default': owner"),
    ("roles.json", "{\"users\": {", "not valid JSON (line 1"),
    ("roles.yml", "users: [unclosed\n", "not valid YAML (line"),
    ("roles.json", "[]", "must be an object"),
    ("roles.yaml", "", "must be an object"),
    ("roles.json", json.dumps({"user": {OID: ["agent"]}}), "unknown key(s) user"),
    ("roles.json", json.dumps({"users": {OID: "agent"}}), "must be a list of role names"),
    ("roles.json", json.dumps({"users": ["agent"]}), "'users' must map"),
])
def test_bad_files_are_refused_naming_file_and_problem(tmp_path, name, text, problem):
    path = write(tmp_path, name, text)
    with pytest.raises(RolesFileError) as info:
        load_roles(path)
    assert str(info.value).startswith(path) and problem in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(RolesFileError, match="file not found"):
        load_roles(str(tmp_path / "nope.json"))
    with pytest.raises(RolesFileError, match="is a directory"):
        load_roles(str(tmp_path))


def test_settings_refuse_a_bad_roles_file(tmp_path):
    path = write(tmp_path, "roles.json", json.dumps({"users": {OID: ["root"]}}))
    with pytest.raises(SettingsError, match=r"PARTNERBOT_ROLES_FILE: .*unknown role\(s\).*root"):
        Settings.from_env({"PARTNERBOT_ROLES_FILE": path}, env_file=None)
    good = write(tmp_path, "ok.json", json.dumps({"users": {OID: ["admin"]}}))
    assert Settings.from_env({"PARTNERBOT_ROLES_FILE": good}, env_file=None).roles_file == good


def test_serve_exits_with_a_message_naming_the_problem(tmp_path):
    path = write(tmp_path, "roles.yaml", "users:\n  ada@contoso.com: [agent, wizard]\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PARTNERBOT_ROLES_FILE": path,
           "PARTNERBOT_STATE": str(tmp_path / "state.db"), "PARTNER_CENTER_URL": "http://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "PARTNERBOT_ROLES_FILE" in result.stderr and "wizard" in result.stderr and path in result.stderr
    assert "Traceback" not in result.stderr


def test_the_readme_roles_example_works_as_documented(tmp_path):
    """The README's own example: a listed agent/purchaser reads (from default), changes and purchases; others read."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Roles", 1)[1]
    example = section.split("```json", 1)[1].split("```", 1)[0].replace("<aadObjectId or UPN>", OID)
    policy = load_roles(write(tmp_path, "roles.json", example))
    assert policy.roles_for(user(OID)) == {"viewer", "agent", "purchaser"}
    assert policy.roles_for(user(OTHER_OID)) == {"viewer"}
    assert "Roles do not imply one another" in section
