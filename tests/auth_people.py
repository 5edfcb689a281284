"""Identities for tests that act as someone: signed in (as the app's provider would) with a role."""
from __future__ import annotations

from ringscope.auth import VIA_OIDC, Identity


def person(name: str, role: str | None = "admin", email: str | None = None) -> Identity:
    """A signed-in person; without an e-mail the audit trail's `by` shows `name`."""
    return Identity(subject=f"sub-{name}", email=email, name=name, role=role, via=VIA_OIDC)
