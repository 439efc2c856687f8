"""Sign-in for the officials' pages: one call a page makes to require a role.

    user = require_role(("clerk", "reviewer"), lang)
    if user is None:
        return            # the sign-in form (or a refusal) is on the page instead

Why here and not in each page: the 审核 page and any later page for officials must check
the same things the same way — a password (:class:`subsidy.accounts.Accounts`, with its
lockout after five wrong ones), an account that is still active, a role allowed on the page,
and a session that ends after :data:`IDLE_MINUTES` minutes without activity (setting
``SUBSIDY_SESSION_MINUTES`` changes it). Only the account id and the time of the last
activity are kept in the browser session; the password is never kept.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from subsidy import vocab
from subsidy.accounts import Accounts
from subsidy.register import ROLES, Register, RegisterError, User, database_url
from subsidy.register.records import person_in
from subsidy.ui.i18n import md

log = logging.getLogger("subsidy.ui.signin")

USER_KEY = "auth.user_id"
SEEN_KEY = "auth.seen"
NOTICE_KEY = "auth.notice"
IDLE_ENV = "SUBSIDY_SESSION_MINUTES"
IDLE_MINUTES = 15.0

TEXT: dict[str, tuple[str, str]] = {
    "title": ("登录", "Sign in"),
    "intro": ("本页面仅供审核人员使用，请用个人账户登录。", "This page is for officials: sign in with your own account."),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "submit": ("登录", "Sign in"),
    "signed_in": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_out": ("已退出登录。", "Signed out."),
    "expired": ("长时间未操作，已自动退出，请重新登录。", "The session expired after inactivity: sign in again."),
    "gone": ("账户已停用或不存在，已退出登录。", "The account is disabled or gone: signed out."),
    "not_allowed": ("本页面须由{roles}使用；{name} 的角色是{role}。",
                    "This page is for {roles}; {name} is {role}."),
    "no_accounts": ("登记簿中还没有账户。请管理员在命令行用下面的命令创建首个管理员账户，再添加经办、复核账户。",
                    "There are no accounts yet. An administrator creates the first one on the command "
                    "line with the command below, then adds clerks and reviewers."),
    "no_accounts_cmd": ("subsidy users add 用户名 --role 管理员", "subsidy users add NAME --role admin"),
    "register_down": ("登记簿无法打开，暂不能登录：", "The register cannot be opened; signing in is not possible:"),
}


def _t(key: str, lang: str, **values: object) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def idle_seconds() -> float:
    try:
        minutes = float(os.environ.get(IDLE_ENV, IDLE_MINUTES))
    except ValueError:
        minutes = IDLE_MINUTES
    return max(minutes, 0.05) * 60


@st.cache_resource(show_spinner=False)
def _register(url: str) -> Register:
    """One register (engine and pool) per database URL for the whole app."""
    return Register(url)


def register() -> Register:
    """The app's register (created when missing: accounts live there)."""
    return _register(database_url())


def sign_out(notice: str | None = None) -> None:
    for key in (USER_KEY, SEEN_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def current_user(lang: str) -> User | None:
    """The signed-in user, or None (after an idle timeout or a disabled account, with a note)."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    seen = float(st.session_state.get(SEEN_KEY, 0.0))
    if time.time() - seen > idle_seconds():
        sign_out(_t("expired", lang))
        return None
    user = Accounts(register()).get(int(user_id))
    if user is None or user.disabled:
        sign_out(_t("gone", lang))
        return None
    st.session_state[SEEN_KEY] = time.time()
    return user


REVIEW_ROLES = ("clerk", "reviewer")
"""The roles that use the 审核 page (an administrator manages accounts and decides nothing)."""


def require_role(roles: tuple[str, ...], lang: str) -> User | None:
    """The signed-in user when their role is one of ``roles``; otherwise draws the sign-in
    form (or says the role may not use the page) and returns None."""
    try:
        user = current_user(lang)
    except RegisterError as exc:
        st.error(f"{_t('register_down', lang)} {exc.message(lang)}", icon=":material/block:")
        return None
    if user is None:
        _form(lang)
        return None
    if user.role not in roles:
        allowed = (", " if lang == "en" else "、").join(vocab.label(ROLES, r, lang) for r in roles)
        st.warning(_t("not_allowed", lang, roles=allowed, name=user.username, role=user.role_label(lang)),
                   icon=":material/lock:")
        _sign_out_button(lang)
        return None
    return user


def person(shown: str, lang: str) -> str:
    """An official as the register names them ("张三（zhangsan）"), with the page's own
    brackets: the name is data, the full-width brackets around the account are wording."""
    return person_in(shown, lang)


def banner(user: User, lang: str) -> None:
    """Who is signed in, and the sign-out button."""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(_t("signed_in", lang, name=md(person(user.shown, lang)), role=user.role_label(lang)))
    with right:
        _sign_out_button(lang)


def _sign_out_button(lang: str) -> None:
    if st.button(_t("sign_out", lang), key="auth.sign_out", icon=":material/logout:"):
        sign_out(_t("signed_out", lang))
        st.rerun()


def _form(lang: str) -> None:
    st.title(_t("title", lang))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/info:")
    try:
        accounts = Accounts(register())
        empty = not accounts.list()
    except RegisterError as exc:
        st.error(f"{_t('register_down', lang)} {exc.message(lang)}", icon=":material/block:")
        return
    if empty:
        st.info(_t("no_accounts", lang), icon=":material/person_add:")
        st.code(_t("no_accounts_cmd", lang), language="bash")  # a command: shown as code, as typed
        return
    st.caption(_t("intro", lang))
    with st.form("auth.form", clear_on_submit=True, border=True):
        username = st.text_input(_t("username", lang), max_chars=64, key="auth.username")
        password = st.text_input(_t("password", lang), type="password", max_chars=256, key="auth.password")
        submitted = st.form_submit_button(_t("submit", lang), type="primary", icon=":material/login:")
    if not submitted:
        return
    try:
        user = accounts.authenticate(username, password, channel="app")
    except RegisterError as exc:
        st.error(exc.message(lang), icon=":material/block:")
        return
    st.session_state[USER_KEY] = user.id
    st.session_state[SEEN_KEY] = time.time()
    st.rerun()
