"""Who is acting, and what their role lets them do.

Every change to investigators' data (tags, case members, exports) is made by an
`Identity`: a person signed in through the company's OpenID Connect provider (the app),
the operating-system user running the CLI together with the name given in `--by`, or the
single local user of an app that serves only this machine without sign-in. The write
functions in `ringscope.tagging` and `ringscope.export` take an Identity and refuse
(`PermissionDenied`) when its role lacks the right; the app hides what a role cannot do,
but the function's refusal is what counts.

Roles, each with every right of the ones before it (as in BloodHound CE's read-only /
user / power-user / administrator ladder)::

    viewer        read everything, run the read-only Cypher console
    investigator  + tag (labels, note, status new/investigating/false positive), comment,
                  edit a case's members, mark identifiers
    lead          + confirm a ring, escalate it, export bundles to enforcement
    admin         + manage roles and the saved-query library

A signed-in person's role comes from the provider's groups claim (`RINGSCOPE_ROLES_CLAIM`,
default `groups`: a group the roles file maps to a role; a group merely named like a role
grants nothing) or from the roles file (`RINGSCOPE_ROLES_FILE`, TOML) that maps subjects and e-mail addresses to
roles; the highest role found wins. Someone the provider knows but no rule names gets
`RINGSCOPE_DEFAULT_ROLE` (unset: no role, so no access)::

    # roles.toml
    [people]                       # subject or e-mail address -> role
    "alice@example.com" = "lead"
    "248289761001" = "admin"       # a provider subject (the `sub` claim)
    [groups]                       # provider group -> role
    "trust-safety-leads" = "lead"
    "trust-safety" = "investigator"
"""
from __future__ import annotations

import getpass
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .config import Settings, load_settings
from .errors import RingScopeError

#: Roles from least to most rights.
ROLES: tuple[str, ...] = ("viewer", "investigator", "lead", "admin")

#: Each right and the least role that holds it.
RIGHTS: dict[str, str] = {
    "read": "viewer",
    "console": "viewer",
    "tag": "investigator",
    "comment": "investigator",
    "edit_members": "investigator",
    "mark_identifiers": "investigator",
    "confirm": "lead",
    "escalate": "lead",
    "export": "lead",
    "manage_roles": "admin",
    "manage_saved_queries": "admin",
}

#: What a right lets someone do, for refusals ("... needs the lead role to confirm a ring").
RIGHT_TEXT: dict[str, str] = {
    "read": "read the graph",
    "console": "run Cypher in the console",
    "tag": "tag a ring",
    "comment": "comment",
    "edit_members": "change a case's accounts",
    "mark_identifiers": "mark identifiers",
    "confirm": "confirm a ring",
    "escalate": "escalate a ring",
    "export": "export evidence bundles",
    "manage_roles": "manage roles",
    "manage_saved_queries": "manage saved queries",
}

#: How the identity was established.
VIA_OIDC = "oidc"      # signed in through the OpenID provider
VIA_CLI = "cli"        # the OS user running `ringscope`, with the name given in --by
VIA_LOCAL = "local"    # the app on loopback without a provider: the one person at this machine

MAX_TEXT = 200


class AuthError(RingScopeError):
    """Sign-in or roles are misconfigured (roles file, claim, settings)."""


class PermissionDenied(RingScopeError):
    """The identity's role does not hold the right an operation needs."""


@dataclass(frozen=True)
class Identity:
    """A person acting on RingScope.

    `subject` is stable and unique (the provider's `sub`, or `os:<user>` for the CLI and
    the local user); `email` is the provider's verified address or None; `name` is what
    a history view shows. `role` is one of ROLES, or None for someone with no role.
    """

    subject: str
    email: str | None
    name: str
    role: str | None
    via: str
    #: The operating-system user that ran the command (CLI and local user; None for sign-in).
    os_user: str | None = None

    def can(self, right: str) -> bool:
        """Whether the role holds `right` (a key of RIGHTS)."""
        if right not in RIGHTS:
            raise ValueError(f"unknown right {right!r}")
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(RIGHTS[right])

    def require(self, right: str, doing: str | None = None) -> None:
        """Raise PermissionDenied (one line) unless the role holds `right`; `doing` names
        what was refused when it is not the right's own text ("changing the accounts of a
        confirmed ring")."""
        if not self.can(right):
            role = f"the {self.role} role" if self.role else "no RingScope role"
            raise PermissionDenied(
                f"{self.label} has {role}; {doing or RIGHT_TEXT[right]} needs {RIGHTS[right]} or higher: ask an admin"
            )

    @property
    def label(self) -> str:
        """Short text for history views: the e-mail, else the name, with the OS user for the
        CLI. A signed-in name shaped like an e-mail address, with no verified address, says
        so and gives the subject: a person may set their own name to a colleague's address
        (a field report: `lena@example.test` commented "I approve" as someone else)."""
        who = self.email or self.name or self.subject
        if self.via == VIA_CLI:
            return f"{who} (os user {self.os_user})"
        if self.via == VIA_OIDC and self.email is None and "@" in who:
            return f"{who} (name, not a verified e-mail; sub {self.subject})"
        return who

    def audit(self) -> dict[str, Any]:
        """The fields every audit event and export records: `by` (label), subject, e-mail, how."""
        return {"by": self.label, "by_subject": self.subject, "by_email": self.email, "by_via": self.via}


def _text(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_TEXT or not text.isprintable():
        raise AuthError(f"{what} must be printable text of at most {MAX_TEXT} characters")
    return text


def os_user() -> str:
    """The operating-system account running this process (getpass: LOGNAME, USER, pwd)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers): still never anonymous
        import os
        return f"uid-{os.getuid()}"


def cli_identity(by: str | None, settings: Settings | None = None) -> Identity:
    """The CLI's identity: `--by` (else RINGSCOPE_INVESTIGATOR) and the OS user, both recorded.

    Whoever runs the CLI holds the database's credentials (from .env) and could change
    anything through Neo4j directly, so the CLI acts as admin; what it adds is a record of
    who: the typed name can be wrong, the OS user cannot be left out.
    """
    name = _text(by, "--by") or _text((settings or load_settings()).investigator, "RINGSCOPE_INVESTIGATOR")
    if not name:
        raise AuthError("no name for the audit trail: pass --by NAME or set RINGSCOPE_INVESTIGATOR in .env")
    user = os_user()
    return Identity(subject=f"os:{user}", email=None, name=name, role="admin", via=VIA_CLI, os_user=user)


def local_identity() -> Identity:
    """The app's single user when it serves only this machine and no provider is configured."""
    user = os_user()
    return Identity(subject=f"os:{user}", email=None, name=f"local user {user}", role="admin", via=VIA_LOCAL,
                    os_user=user)


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class RoleRules:
    """Where roles come from: the roles file's people and groups, the claim, the default."""

    people: Mapping[str, str]
    groups: Mapping[str, str]
    claim: str = "groups"
    default: str | None = None

    def role_for(self, claims: Mapping[str, Any]) -> str | None:
        """The highest role any rule gives these ID-token claims; else the default (maybe None)."""
        found: list[str] = []
        # Only an address the provider says it verified names anyone: a provider that sends
        # no `email_verified` (Entra ID) may let a user set any address on their account,
        # and a roles-file entry keyed by that address would then be theirs ("nOAuth")
        email = claims.get("email") if claims.get("email_verified") is True else None
        for key in (claims.get("sub"), email):
            if key and str(key) in self.people:
                found.append(self.people[str(key)])
        # A group counts only when the roles file maps it: on providers where anyone may make
        # a group (GitLab, self-service Google or Keycloak groups), one named "admin" would
        # otherwise make its maker an admin (a group named like a role used to grant it)
        for group in _claim_values(claims.get(self.claim)):
            if group in self.groups:
                found.append(self.groups[group])
        if not found:
            return self.default
        return max(found, key=ROLES.index)


def _claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _role(value: Any, where: str) -> str:
    role = str(value).strip().lower()
    if role not in ROLES:
        raise AuthError(f"{where}: unknown role {value!r}: use one of {', '.join(ROLES)}")
    return role


def load_role_rules(settings: Settings | None = None) -> RoleRules:
    """The rules from RINGSCOPE_ROLES_FILE (optional), RINGSCOPE_ROLES_CLAIM and
    RINGSCOPE_DEFAULT_ROLE. A missing or malformed file is an AuthError (one line)."""
    values = (settings or load_settings()).extra
    claim = (values.get("RINGSCOPE_ROLES_CLAIM") or "groups").strip()
    default = values.get("RINGSCOPE_DEFAULT_ROLE") or None
    default = _role(default, "RINGSCOPE_DEFAULT_ROLE") if default else None
    path = values.get("RINGSCOPE_ROLES_FILE")
    people: dict[str, str] = {}
    groups: dict[str, str] = {}
    if path:
        file = Path(path).expanduser()
        try:
            document = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AuthError(f"cannot read the roles file {file} (RINGSCOPE_ROLES_FILE): {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise AuthError(f"the roles file {file} is not valid TOML: {exc}") from None
        unknown = set(document) - {"people", "groups"}
        if unknown:
            raise AuthError(f"the roles file {file} has unknown section(s) {sorted(unknown)}: use [people] and [groups]")
        people = {str(k).strip(): _role(v, f"{file} [people] {k}") for k, v in document.get("people", {}).items()}
        groups = {str(k).strip(): _role(v, f"{file} [groups] {k}") for k, v in document.get("groups", {}).items()}
    return RoleRules(people=people, groups=groups, claim=claim, default=default)


def signed_in_identity(claims: Mapping[str, Any], rules: RoleRules) -> Identity:
    """The identity of a person the provider signed in, from the ID token's claims.

    Only a verified e-mail is recorded (`email_verified` true; false or absent -> no
    e-mail): the address is how people recognise each other in the audit trail, and the
    subject is the key.
    """
    subject = _text(claims.get("sub"), "the provider's subject (sub)")
    if not subject:
        raise AuthError("the provider's ID token has no subject (sub): check its OpenID configuration")
    email = _text(claims.get("email"), "the provider's e-mail claim") or None
    if email and claims.get("email_verified") is not True:
        email = None  # and never shown as the name either: it could be anyone's address
    name = _text(claims.get("name") or claims.get("preferred_username") or email or subject, "the provider's name")
    return Identity(subject=subject, email=email, name=name, role=rules.role_for(claims), via=VIA_OIDC)


__all__ = [
    "AuthError",
    "Identity",
    "PermissionDenied",
    "RIGHTS",
    "ROLES",
    "RoleRules",
    "cli_identity",
    "load_role_rules",
    "local_identity",
    "os_user",
    "signed_in_identity",
]
