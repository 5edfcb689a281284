"""People and roles (admins): who gets which role, from the roles file and the provider's groups.

Read-only: roles are changed in the roles file (RINGSCOPE_ROLES_FILE) or the provider's
groups, which RingScope reads again on every click.
"""
import pandas as pd
import streamlit as st

from ringscope import auth
from ringscope.app import signin, ui
from ringscope.config import load_settings

st.title("People and roles")
me = ui.current()
if not me.can("manage_roles"):
    ui.role_note("manage_roles")
    st.stop()

with ui.errors_as_one_line():
    settings = load_settings()
    st.dataframe(pd.DataFrame([{"role": role, "may": ", ".join(auth.RIGHT_TEXT[r] for r, least in auth.RIGHTS.items()
                                                             if least == role)} for role in auth.ROLES]),
                 hide_index=True, width="stretch")
    st.caption("Each role may also do everything of the roles above it.")
    if not signin.configured(settings):
        st.info(ui.md(f"No sign-in is configured: this app serves only this machine, as the single local user "
                      f"{me.os_user} (admin). Configure an OpenID provider to give people their own roles "
                      "(README: Sign-in and roles)."))
    rules = auth.load_role_rules(settings)
    path = settings.extra.get("RINGSCOPE_ROLES_FILE") or ""
    st.markdown(ui.md(f"Roles claim: {rules.claim}. People no rule names get: {rules.default or 'no role (no access)'}. "
                      f"Roles file: {path or 'none (RINGSCOPE_ROLES_FILE is not set)'}."))
    st.subheader("People")
    st.dataframe(pd.DataFrame(sorted(rules.people.items()), columns=["subject or e-mail", "role"]),
                 hide_index=True, width="stretch")
    st.subheader("Groups")
    st.caption(ui.md(f"A group in the {rules.claim} claim gives a role only when mapped here "
                     "(a group merely named like a role gives none)."))
    st.dataframe(pd.DataFrame(sorted(rules.groups.items()), columns=["group", "role"]), hide_index=True,
                 width="stretch")
