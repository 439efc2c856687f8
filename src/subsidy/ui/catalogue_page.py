"""The rule catalogue: every policy with its period and area, every clause with its amount,
conditions and verbatim quote, and the source document itself.

Why it exists: an officer must be able to check what the calculator encodes against the
text it cites without reading YAML. Everything here is read from the loaded rule set (under
the readings chosen on the self-check page), and the source texts from ``docs/sources/``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from subsidy import vocab
from subsidy.conditions import Condition
from subsidy.fields import field as field_spec
from subsidy.ruleset import Policy, Rule, RuleSet
from subsidy.ui.i18n import colon, md, money_short, names, quote, t, zh_span
from subsidy.ui.state import current_lang

SOURCES_DIR = Path(__file__).resolve().parents[3] / "docs" / "sources"


def describe(cond: Condition, rule: Rule, ruleset: RuleSet, lang: str) -> str:
    """One condition of a rule file in words: each kind describes itself."""

    def title_of(rule_id: str) -> str:
        other = ruleset.rules.get(rule_id)
        if other is None:
            return rule_id
        return other.title_en if lang == "en" else other.title

    return cond.describe(lang, lambda name: field_spec(rule.subject, name), title_of)


def issued_text(policy: Policy, lang: str) -> str:
    """When the policy was issued; a date the text leaves blank is said in the page's language
    (the rule file's own note quoted as the Chinese original in the English page)."""
    if policy.issued is not None or lang != "en":
        return md(policy.issued_text())
    note = f" {zh_span(policy.issued_note)}" if policy.issued_note else ""
    return t("cat_date_unknown", lang) + note


def window_text(policy: Policy, lang: str) -> str:
    """The policy's period: "2019-01-01 至 2021-12-31" / "2019-01-01 to 2021-12-31"."""
    window = policy.window
    start = window.start.isoformat() if window.start else "…"
    end = window.end.isoformat() if window.end else t("cat_open_end", lang)
    return f"{start} {t('cat_to', lang)} {end}"


def area_text(policy: Policy, lang: str) -> str:
    """Where the policy applies, with the districts' names in the page's language."""
    area = policy.area
    if area.wuhan:
        return t("cat_all_wuhan", lang)
    return t("list_sep", lang).join(vocab.label(vocab.DISTRICTS, d, lang) for d in area.districts)


def amount_lines(rule: Rule, ruleset: RuleSet, lang: str) -> list[str]:
    """What the clause pays, tier by tier, as the rule file says."""
    award = rule.award
    if award.kind == "per_unit":
        unit = (award.unit_label_en or award.unit_label) if lang == "en" else award.unit_label
        return [f"{money_short(award.per_unit_wan, lang)} / {md(unit or '')}"]
    if award.kind == "pass_through":
        note = (award.note_en if lang == "en" else award.note) or ""
        return [t("cat_pass_through", lang) + (md(t("paren", lang, text=note)) if note else "")]
    if award.kind in ("case_by_case", "none"):
        note = (award.note_en or award.note) if lang == "en" else award.note
        return [vocab.label(vocab.AMOUNT_KINDS, award.kind, lang) + (f"{colon(lang)}{note}" if note else "")]
    lines = []
    for tier in rule.tiers:
        title = (tier.title_en or tier.title) if lang == "en" else tier.title
        conds = t("list_sep", lang).join(describe(c, rule, ruleset, lang) for c in tier.conditions
                                         if getattr(c, "tag", "") != "after")
        lines.append(f"**{md(title)}**{colon(lang)}{md(money_short(tier.amount_wan, lang))}"
                     + (md(t("paren", lang, text=conds)) if conds else ""))
    if rule.repeat:
        rep = rule.repeat
        lines.append(md(t("cat_repeat", lang, start=money_short(rep.start, lang),
                          step=money_short(rep.step, lang)))
                     + f"{colon(lang)}{md(money_short(rep.amount_wan, lang))}")
    return lines


@st.cache_data(show_spinner=False)
def source_text(name: str) -> str | None:
    path = SOURCES_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _rule_body(rule: Rule, policy: Policy, ruleset: RuleSet, lang: str) -> None:
    """One clause opened: amounts, conditions, applicant, the verbatim quote and readings."""
    st.markdown(f"**{t('cat_amount', lang)}**")
    st.markdown("\n".join(f"- {line}" for line in amount_lines(rule, ruleset, lang)))
    conditions = [*rule.select, *rule.conditions]
    st.markdown(f"**{t('cat_conditions', lang)}**")
    if conditions:
        st.markdown("\n".join(f"- {md(describe(c, rule, ruleset, lang))}" for c in conditions))
    else:
        st.caption(t("cat_no_conditions", lang))
    applicant = (rule.applicant_en or rule.applicant) if lang == "en" else rule.applicant
    facts = [f"{t('cat_applicant', lang)}{colon(lang)}{md(applicant)}"]
    if len(rule.all_tiers()) > 1:
        facts.append(f"{t('cat_hit', lang)}{colon(lang)}{t('cat_hit_' + rule.hit_policy, lang)}")
    if rule.once != "none":
        facts.append(f"{t('cat_once', lang)}{colon(lang)}{t('cat_once_' + rule.once, lang)}")
    st.caption(" · ".join(facts))
    where = " / ".join(p for p in (rule.heading, f"{policy.source}:{rule.source_line}"
                                   if rule.source_line else None) if p)
    st.markdown(f"**{t('clause', lang)}**{md(t('paren', lang, text=rule.section))}")
    quote(rule.quote, lang)
    if where:
        st.caption(md(where) if lang != "en" else zh_span(where), unsafe_allow_html=lang == "en")
    if rule.interpretations:
        st.caption(f"{t('cat_interps', lang)}{colon(lang)}" + t("list_sep", lang).join(
            f"{iid}{t('paren', lang, text=getattr(ruleset.interpretations[iid], ruleset.readings[iid]).label_in(lang))}"
            for iid in rule.interpretations if iid in ruleset.interpretations))
    notes = rule.notes_en if lang == "en" and rule.notes_en else rule.notes
    if notes:
        st.caption(" ".join(notes))
    if rule.contacts:
        names(t("contacts", lang), list(rule.contacts), lang)


def _policy(policy: Policy, ruleset: RuleSet, lang: str, needle: str) -> None:
    rules = [r for r in ruleset.rules.values() if ruleset.rule_policy[r.id] == policy.id]
    if needle:
        rules = [r for r in rules if needle in r.id.lower() or needle in r.title.lower()
                 or needle in r.title_en.lower()]
        if not rules:
            return
    title = (policy.title_en if lang == "en" else policy.title)
    st.subheader(title)
    issuer = zh_span(policy.issuer) if lang == "en" else md(policy.issuer)  # a proper name, only in Chinese
    meta = [
        f"**{t('cat_issuer', lang)}**{colon(lang)}{issuer}",
        f"**{t('cat_issued', lang)}**{colon(lang)}{issued_text(policy, lang)}"
        + (t("paren", lang, text=zh_span(policy.doc_number) if lang == "en" else md(policy.doc_number))
           if policy.doc_number else ""),
        f"**{t('cat_window', lang)}**{colon(lang)}{md(window_text(policy, lang))}",
        f"**{t('cat_area', lang)}**{colon(lang)}{md(area_text(policy, lang))}",
        f"**{t('cat_monetary', lang)}**{colon(lang)}{t('yes', lang) if policy.monetary else t('cat_monetary_no', lang)}",
    ]
    st.markdown(" · ".join(meta), unsafe_allow_html=lang == "en")
    if policy.reliability_note:
        st.warning(policy.reliability_note.split(" / ")[1 if lang == "en" else 0])
    if policy.window_note:
        if lang == "en":  # the rule file's note quotes the document: shown as the Chinese original
            st.caption(f'{t("cat_window_note", lang)}: {zh_span(policy.window_note)}', unsafe_allow_html=True)
        else:
            st.text(policy.window_note)  # as it stands: never read as Markdown
    st.caption(f"{policy.id} · {t('source_doc', lang)} {policy.source}")
    # Folded blocks are drawn only while open (as a check's findings are): the catalogue is
    # some forty clauses and seven source documents, most of which a reader never opens.
    box = st.expander(t("cat_view_source", lang, name=policy.source), key=f"cat.source.{policy.id}.{lang}",
                      on_change="rerun")
    if box.open:
        with box:
            text = source_text(policy.source)
            if text is None:
                st.warning(t("cat_source_missing", lang, name=policy.source))
            else:  # the file as it stands (a verbatim document, in either page), never as Markdown
                st.code(text, language=None, wrap_lines=True, height=480)
    for rule in rules:
        rule_title = rule.title_en if lang == "en" else rule.title
        box = st.expander(f"{rule.id} · {md(rule_title)} · {md(rule.section)}", key=f"cat.rule.{rule.id}.{lang}",
                          on_change="rerun")
        if box.open:
            with box:
                _rule_body(rule, policy, ruleset, lang)
    st.divider()


def render() -> None:
    """The page body."""
    from subsidy.ui.check_page import interpretation_readings, ruleset_for

    lang = current_lang()
    ruleset = ruleset_for(interpretation_readings())
    st.title(t("cat_title", lang))
    st.caption(t("cat_intro", lang))
    st.caption(f"{t('ruleset_version', lang)} {ruleset.version}")
    needle = (st.text_input(t("cat_search", lang), key="cat.search") or "").strip().lower()
    for policy in ruleset.policies.values():
        _policy(policy, ruleset, lang, needle)
    with st.expander(t("cat_interps", lang)):
        for iid in sorted(ruleset.interpretations):
            interp = ruleset.interpretations[iid]
            title = (interp.title_en or interp.title) if lang == "en" else interp.title
            st.markdown(f"**{iid}** {md(title)}")
            st.caption(md((interp.note_en or interp.note) if lang == "en" else interp.note))
            for choice in ("default", "alternative"):
                reading = getattr(interp, choice)
                mark = "▶" if ruleset.readings[iid] == choice else "·"
                text = (reading.text_en or reading.text) if lang == "en" else reading.text
                st.markdown(f"{mark} {t('interp_' + choice, lang)}{colon(lang)}**{md(reading.label_in(lang))}** — {md(text)}")
