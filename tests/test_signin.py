"""Sign-in for the officials' pages (Streamlit's AppTest): the form, a wrong password, a
session that ends after inactivity, an account disabled mid-session, sign-out."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from register_support import PASSWORD, staff
from streamlit.testing.v1 import AppTest

from subsidy.accounts import Accounts
from subsidy.register import Register
from subsidy.ui.signin import SEEN_KEY, USER_KEY


def _review_page() -> None:
    from subsidy.ui import review_page

    review_page.render("zh")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, Accounts]:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    monkeypatch.setenv("SUBSIDY_DB_URL", url)
    accounts = Accounts(Register(url))
    staff(accounts)
    return AppTest.from_function(_review_page, default_timeout=60), accounts


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> None:
    at.text_input(key="auth.username").input(username)
    at.text_input(key="auth.password").input(password)
    next(b for b in at.button if b.label == "登录").click()
    at.run()


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.title, *at.caption, *at.info, *at.error, *at.warning,
                                           *at.success, *at.markdown])


def test_the_page_asks_for_a_sign_in_and_refuses_a_wrong_password(app: tuple[AppTest, Accounts]) -> None:
    at, _ = app
    at.run()
    assert [t.value for t in at.title] == ["登录"]
    assert not [b for b in at.button if b.label == "开始核验"]
    sign_in(at, "clerk1", "wrong password")
    assert "用户名或密码错误" in texts(at) and USER_KEY not in at.session_state
    sign_in(at, "clerk1")
    assert "审核：申报核验与决定" in texts(at) and "张三（clerk1）" in texts(at)


def test_a_session_ends_after_inactivity(app: tuple[AppTest, Accounts]) -> None:
    at, _ = app
    at.run()
    sign_in(at, "reviewer1")
    assert "作出决定" in texts(at)
    at.session_state[SEEN_KEY] = time.time() - 16 * 60
    at.run()
    assert [t.value for t in at.title] == ["登录"] and "长时间未操作" in texts(at)


def test_a_disabled_account_is_signed_out_and_sign_out_works(app: tuple[AppTest, Accounts]) -> None:
    at, accounts = app
    at.run()
    sign_in(at, "clerk2")
    assert "审核：申报核验与决定" in texts(at)
    admin = next(u for u in accounts.list() if u.username == "admin")
    accounts.disable("clerk2", admin)
    at.run()
    assert [t.value for t in at.title] == ["登录"] and "已停用" in texts(at)
    sign_in(at, "clerk1")
    next(b for b in at.button if b.label == "退出登录").click()
    at.run()
    assert [t.value for t in at.title] == ["登录"] and "已退出登录" in texts(at)


def test_the_page_in_english(app: tuple[AppTest, Accounts]) -> None:
    def english() -> None:
        from subsidy.ui import review_page

        review_page.render("en")

    at = AppTest.from_function(english, default_timeout=60)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    at.text_input(key="auth.username").input("reviewer1")
    at.text_input(key="auth.password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception
    assert "Review: verify claims and record decisions" in texts(at) and "No proposal is waiting." in texts(at)
