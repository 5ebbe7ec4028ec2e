"""Bot-level roles from the partner's roles file (PARTNERBOT_ROLES_FILE, JSON or YAML).

Shape: {"default": ["viewer"], "users": {"<aadObjectId or UPN>": ["agent", "purchaser"]}}. Users are matched
by Entra object id first, then by UPN (case-insensitive). Everyone holds the `default` roles, listed users their
own roles as well; roles imply no others. With no roles file everyone holds every role.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dialogs.policy import AllowAll, RolePolicy
from dialogs.registry import Role
from dialogs.turn import User

KNOWN_ROLES = frozenset(r.value for r in Role)


class RolesFileError(ValueError):
    """The roles file cannot be used; the message names the file and the problem (no role is guessed)."""


_TOP_LEVEL_KEYS = frozenset({"default", "users"})


class RolesFile:
    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise RolesFileError("the roles file must be an object with 'default' and 'users'")
        unknown_keys = set(map(str, data)) - _TOP_LEVEL_KEYS
        if unknown_keys:  # e.g. a misspelt 'users' would silently give everyone the default roles
            raise RolesFileError(f"unknown key(s) {', '.join(sorted(unknown_keys))}; expected 'default' and 'users'")
        self.default = self._roles(data.get("default", ["viewer"]), "default")
        users = data.get("users", {}) or {}
        if not isinstance(users, Mapping):
            raise RolesFileError("'users' must map object ids or UPNs to lists of roles")
        self.users = {str(k).lower(): self._roles(v, str(k)) for k, v in users.items()}

    @staticmethod
    def _roles(value: Any, where: str) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            raise RolesFileError(f"roles for {where!r} must be a list of role names")
        unknown = set(value) - KNOWN_ROLES
        if unknown:
            raise RolesFileError(f"unknown role(s) for {where!r}: {', '.join(sorted(unknown))}; "
                                 f"known roles: {', '.join(sorted(KNOWN_ROLES))}")
        return frozenset(value)

    def roles_for(self, user: User) -> frozenset[str]:
        for key in (user.aad_object_id, user.upn, user.id):
            if key and key.lower() in self.users:
                return self.users[key.lower()] | self.default  # listed users keep what everyone has
        return self.default


def load_roles(path: str | None) -> RolePolicy:
    """The role policy from `path` (JSON when it ends in .json, else YAML); no path = everyone holds every role.

    Every problem (missing file, syntax error, wrong shape, unknown role) raises `RolesFileError` naming the file.
    """
    if not path:
        return AllowAll()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RolesFileError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise RolesFileError(f"{path}: is a directory, not a roles file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RolesFileError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    try:
        data = json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise RolesFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise RolesFileError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    try:
        return RolesFile(data)
    except RolesFileError as exc:
        raise RolesFileError(f"{path}: {exc}") from None
