"""Accounts of the officials' side: who may verify, propose, decide, or manage accounts.

Why accounts at all: a decision recorded under a name typed into a field is no record. Each
user signs in with a password; their role says what they can do:

- **经办** (``clerk``) verifies batches, records them, and proposes decisions;
- **复核** (``reviewer``) decides on what *another* user proposed;
- **管理员** (``admin``) adds, disables and re-enables accounts and resets passwords, and
  decides nothing.

Passwords are hashed with Argon2id (argon2-cffi); the clear text is never stored or logged.
Five wrong passwords in a row lock an account for :data:`LOCK_MINUTES` minutes. Accounts live
in the register's database and, like everything there, are append-only: disabling an account
or setting a new password is a new row. The first 管理员 is created by a command
(``subsidy users add NAME --role 管理员`` on a register with no 管理员), never by a default
password.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from .register import ROLES, Register, RegisterError, User
from .register.schema import AccountEventRow, CredentialRow, SignInRow, UserRow, now

__all__ = [
    "LOCK_MINUTES",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "Accounts",
    "AccountError",
    "parse_role",
]

log = logging.getLogger("subsidy.accounts")

MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_FAILURES = 5
LOCK_MINUTES = 15
_USERNAME = re.compile(r"^[\w.\-]{2,64}$")
_HASHER = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """A hash to verify against when the account does not exist, so that a wrong name takes
    as long as a wrong password (the time taken tells nothing). Made at the first unknown name, not at import:
    an Argon2 hash costs a good part of a second, which every first page paid before."""
    return _HASHER.hash("an account that does not exist")

_ROLE_ALIASES = {"clerk": "clerk", "经办": "clerk", "reviewer": "reviewer", "复核": "reviewer",
                 "admin": "admin", "管理员": "admin"}


class AccountError(RegisterError):
    """An account operation or a sign-in refused (bilingual)."""


def parse_role(text: str) -> str:
    """``clerk`` / ``reviewer`` / ``admin`` from the code or 经办 / 复核 / 管理员."""
    role = _ROLE_ALIASES.get((text or "").strip().lower())
    if role is None:
        raise AccountError(f"角色应为 经办、复核 或 管理员，实为「{text}」",
                           f"a role is clerk (经办), reviewer (复核) or admin (管理员), not {text!r}")
    return role


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise AccountError(f"密码长度应为 {MIN_PASSWORD} 至 {MAX_PASSWORD} 个字符",
                           f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")


class Accounts:
    """Accounts kept in a register's database."""

    def __init__(self, register: Register) -> None:
        self.register = register

    # ------------------------------------------------------------------ reading

    def list(self) -> list[User]:
        with self.register._session() as s:
            disabled = self._disabled_ids(s)
            return [_user(row, row.id in disabled) for row in s.scalars(select(UserRow).order_by(UserRow.id))]

    def get(self, user_id: int) -> User | None:
        """The account as it is now (None when unknown); for checking a session is still valid."""
        with self.register._session() as s:
            row = s.get(UserRow, user_id)
            return None if row is None else _user(row, row.id in self._disabled_ids(s, user_id))

    def has_admin(self) -> bool:
        return any(u.role == "admin" and not u.disabled for u in self.list())

    def _disabled_ids(self, s: object, user_id: int | None = None) -> set[int]:
        query = select(AccountEventRow.user_id, AccountEventRow.event).order_by(AccountEventRow.id)
        if user_id is not None:
            query = query.where(AccountEventRow.user_id == user_id)
        state: dict[int, str] = {}
        for uid, event in s.execute(query):  # type: ignore[attr-defined]
            state[uid] = event
        return {uid for uid, event in state.items() if event == "disable"}

    # ------------------------------------------------------------------ managing

    def add(self, username: str, role: str, password: str, *, display_name: str = "",
            by: User | None = None) -> User:
        """A new account. Without ``by`` only the first 管理员 may be created."""
        username = (username or "").strip()
        if not _USERNAME.match(username):
            raise AccountError("用户名应为 2 至 64 个字母、数字、汉字或 . _ -",
                               "a user name has 2 to 64 letters, digits, Chinese characters or . _ -")
        role = parse_role(role)
        display_name = (display_name or "").strip()[:100] or username
        _check_password(password)
        digest = _HASHER.hash(password)
        with self.register._write() as w:
            if by is None:
                if role != "admin" or self._active_admins(w.s):
                    raise AccountError("须由管理员登录后添加账户（首个管理员可直接创建）",
                                       "an administrator must sign in to add accounts "
                                       "(only the first administrator is created without one)")
            else:
                self._require_admin(w.s, by)
            if w.s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise AccountError(f"用户名「{username}」已存在", f"the user name {username!r} is taken")
            row = w.add(UserRow(username=username, display_name=display_name, role=role,
                                created_at=now(), created_by=by.id if by else None))
            w.s.flush()
            w.add(CredentialRow(user_id=row.id, password_hash=digest, set_at=now(),  # type: ignore[attr-defined]
                                set_by=by.id if by else None))
        log.info("account %s added with role %s", username, role)
        return _user(row, False)  # type: ignore[arg-type]

    def disable(self, username: str, by: User) -> User:
        return self._event(username, "disable", by)

    def enable(self, username: str, by: User) -> User:
        return self._event(username, "enable", by)

    def _event(self, username: str, event: str, by: User) -> User:
        with self.register._write() as w:
            self._require_admin(w.s, by)
            row = self._row(w.s, username)
            disabled = row.id in self._disabled_ids(w.s, row.id)
            if event == "disable":
                if disabled:
                    raise AccountError(f"账户「{username}」已停用", f"{username!r} is already disabled")
                if row.role == "admin" and self._active_admins(w.s) == {row.id}:
                    raise AccountError("不能停用最后一个管理员", "the last administrator cannot be disabled")
            elif not disabled:
                raise AccountError(f"账户「{username}」未停用", f"{username!r} is not disabled")
            w.add(AccountEventRow(user_id=row.id, event=event, at=now(), by_user=by.id))
        log.info("account %s: %s", username, event)
        return _user(row, event == "disable")

    def reset_password(self, username: str, password: str, by: User) -> None:
        """A new password (also lifts a lockout)."""
        _check_password(password)
        digest = _HASHER.hash(password)
        with self.register._write() as w:
            self._require_admin(w.s, by)
            row = self._row(w.s, username)
            w.add(CredentialRow(user_id=row.id, password_hash=digest, set_at=now(), set_by=by.id))
        log.info("account %s: password reset", username)

    def _row(self, s: object, username: str) -> UserRow:
        row = s.scalars(select(UserRow).where(UserRow.username == (username or "").strip())).first()  # type: ignore[attr-defined]
        if row is None:
            raise AccountError(f"没有用户「{username}」", f"no user {username!r}")
        return row

    def _active_admins(self, s: object) -> set[int]:
        admins = set(s.scalars(select(UserRow.id).where(UserRow.role == "admin")))  # type: ignore[attr-defined]
        return admins - self._disabled_ids(s)

    def _require_admin(self, s: object, by: User) -> None:
        row = s.get(UserRow, by.id)  # type: ignore[attr-defined]
        if row is None or row.role != "admin" or by.id in self._disabled_ids(s, by.id):
            raise AccountError("只有管理员可以管理账户", "only an administrator manages accounts")

    # ------------------------------------------------------------------ signing in

    def authenticate(self, username: str, password: str, *, channel: str = "app",
                     at: dt.datetime | None = None) -> User:
        """The account when the password is right; refused otherwise, with the same words for
        an unknown name and a wrong password, and a lockout after five wrong ones."""
        moment = at or now()
        username = (username or "").strip()[:64]
        password = (password or "")[:MAX_PASSWORD]
        wrong = AccountError("用户名或密码错误", "wrong user name or password")
        dummy = _dummy()  # made before the name is looked up: a first attempt costs the same either way
        with self.register._session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                _verify(dummy, password)
                log.info("sign-in refused: unknown user name")
                raise wrong
            user = _user(row, row.id in self._disabled_ids(s, row.id))
            digest, set_at = s.execute(select(CredentialRow.password_hash, CredentialRow.set_at)
                                       .where(CredentialRow.user_id == row.id)
                                       .order_by(CredentialRow.id.desc()).limit(1)).one()
            locked_until = self._locked_until(s, row.id, set_at, moment)
        if locked_until is not None:
            log.info("sign-in refused for %s: locked", username)
            raise AccountError(
                f"连续 {MAX_FAILURES} 次密码错误，账户已锁定至 {locked_until.astimezone():%H:%M}，"
                "请稍后再试或请管理员重置密码",
                f"{MAX_FAILURES} wrong passwords in a row: locked until "
                f"{locked_until.astimezone():%H:%M}; try later or ask an administrator")
        ok = _verify(digest, password)
        with self.register._write() as w:
            w.add(SignInRow(user_id=row.id, ok=ok and not user.disabled, at=moment, channel=channel[:16]))
        if not ok:
            log.info("sign-in refused for %s: wrong password", username)
            raise wrong
        if user.disabled:
            log.info("sign-in refused for %s: disabled", username)
            raise AccountError("账户已停用，请联系管理员", "the account is disabled; ask an administrator")
        log.info("signed in: %s (%s)", username, channel)
        return user

    def _locked_until(self, s: object, user_id: int, set_at: dt.datetime,
                      moment: dt.datetime) -> dt.datetime | None:
        since = s.scalar(select(func.max(SignInRow.at)).where(SignInRow.user_id == user_id, SignInRow.ok))  # type: ignore[attr-defined]
        start = max(_aware(set_at), _aware(since)) if since is not None else _aware(set_at)
        failures = list(s.scalars(select(SignInRow.at).where(  # type: ignore[attr-defined]
            SignInRow.user_id == user_id, SignInRow.ok.is_(False), SignInRow.at > start)
            .order_by(SignInRow.at.desc()).limit(MAX_FAILURES)))
        if len(failures) < MAX_FAILURES:
            return None
        until = _aware(failures[0]) + dt.timedelta(minutes=LOCK_MINUTES)
        return until if moment < until else None


def _verify(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _user(row: UserRow, disabled: bool) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                disabled=disabled, created_at=_aware(row.created_at))


def role_label(role: str, lang: str = "zh") -> str:
    from . import vocab

    return vocab.label(ROLES, role, lang)


