"""The register's refusal: one exception with its reason in Chinese and in English."""

from __future__ import annotations


class RegisterError(ValueError):
    """A register operation refused, with the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh
