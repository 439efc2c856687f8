"""The one call every face uses: profile (+ readings, year) → report.

Pipeline: facts are derived from the profile; the engine (durable_rules) says which rule
tiers match which facts; each rule's conditions are then judged in three values for the
reasons; hit policies (highest tier only / add up), once-only scopes and cross-rule groups
are applied as rules over findings; hints that are never awards are added last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import engine, vocab
from .conditions import After
from .explain import Brief, Explainer, Judgement, and_all
from .facts import Fact, derive_facts
from .findings import Clause, Finding, Hint, Reason, Report
from .money import format_wan, normalize
from .profile import Profile
from .ruleset import Rule, RuleSet, load_rules


@lru_cache(maxsize=8)
def _load_cached(directory: str) -> RuleSet:
    return load_rules(directory)


def default_rules(directory: str | Path | None = None) -> RuleSet:
    """The rule set of ``directory`` (default: the project's ``rules/``), loaded once."""
    from .ruleset import DEFAULT_RULES_DIR

    return _load_cached(str(Path(directory) if directory else DEFAULT_RULES_DIR))


def evaluate(profile: Profile, *, rules: RuleSet | None = None,
             switches: Mapping[str, str] | None = None, year: int | None = None) -> Report:
    """Evaluate every rule against the profile.

    ``switches`` flips readings for this run (``{"INTERP-QK-1": "alternative"}``);
    ``year`` keeps only findings about events of that year.
    """
    ruleset = rules or default_rules()
    if switches:
        ruleset = ruleset.with_switches({**ruleset.readings, **switches})
    facts = derive_facts(profile, year, ruleset.offsets)
    matches = engine.run(ruleset, facts)
    findings = _Decider(ruleset, facts, matches).decide()
    if year is not None:
        findings = [f for f in findings if f.year == year]
    total = sum((f.amount_wan for f in findings if f.status == "eligible" and f.amount_wan is not None),
                Decimal(0))
    return Report(
        company=profile.name,
        credit_code=profile.credit_code,
        ruleset_version=ruleset.version,
        readings=dict(sorted(ruleset.readings.items())),
        year=year,
        results=findings,
        hints=[h for h in scale_hints(ruleset, profile, facts) if year is None or h.year == year],
        total_wan=normalize(total),
    )


class _Decider:
    """Turns matches and judgements into findings for one evaluation."""

    def __init__(self, ruleset: RuleSet, facts: list[Fact], matches: set[engine.Match]):
        self.rs = ruleset
        self.facts = sorted(facts, key=lambda f: (f.year, f.id))
        self.matches = matches
        self.by_subject: dict[str, list[Fact]] = {}
        self.fact_by_id = {fact.id: fact for fact in self.facts}
        for fact in self.facts:
            self.by_subject.setdefault(fact.subject, []).append(fact)
        self.matched: dict[str, set[tuple[str, int]]] = {}
        """(tier, year) the engine matched, per rule — what `met: awarded` chains on, as the
        engine's ``award`` facts are asserted on the same matches."""
        self.awarded: dict[tuple[str, str], Finding] = {}
        self.found: dict[tuple[str, str], Finding] = {}
        """The first finding of each (rule id, fact id), whatever its status."""
        """Eligible findings by (rule id, fact id): what a matching award (配套) matches."""

    def chain(self, cond: After, explainer: Explainer) -> Judgement:
        """Judge an `after:` condition for the explainer's fact (same company and year)."""
        fact = explainer.fact
        if cond.met == "level":
            rule = self.rs.rules[cond.after]
            tier = next(t for t in rule.all_tiers() if t.id == cond.tier)
            inner = Explainer(fact, self.chain, words=explainer.words, relax=True)
            judgement = inner.judge_all([*rule.select, *rule.conditions, *tier.conditions])
            if explainer.words and cond.label:
                mark = {True: "是", False: "否", None: "待补充信息"}[judgement.value]
                mark_en = {True: "yes", False: "no", None: "to be completed"}[judgement.value]
                judgement.reasons.insert(0, Reason(
                    text=f"{cond.label}：{mark}", passed=judgement.value,
                    text_en=f"Figures of {tier.title_en or tier.title} ({cond.after}) met, "
                            f"not necessarily for the first time: {mark_en}"))
            return judgement
        done = any(year == fact.year and (cond.tier is None or tier == cond.tier)
                   for tier, year in self.matched.get(cond.after, set()))
        if not explainer.words:
            return Judgement(done, [Brief(done)])
        label = cond.label or f"当年已获得「{self.rs.rules[cond.after].title}」"
        return Judgement(done, [Reason(
            text=f"{label}：{'是' if done else '否'}",
            text_en=f"{cond.after} awarded the same year: {'yes' if done else 'no'}", passed=done)])

    def decide(self) -> list[Finding]:
        out: list[Finding] = []
        for rule in self.rs.ordered:
            out.extend(self._rule(rule))
        self._apply_groups(out)
        # A support measure is shown only where its area and period fit the company.
        return [f for f in out if not (f.amount_kind == "none" and f.status == "not_applicable")]

    # -------------------------------------------------------------- per rule

    def _base(self, rule: Rule, fact: Fact) -> dict:
        policy = self.rs.policy_of(rule.id)
        about = [note for name in sorted(rule.fields & fact.notes.keys()) for note in fact.notes[name]]
        notes = list(rule.notes) + [zh for zh, _ in about]
        notes_en = list(rule.notes_en) + [en for _, en in about]
        if rule.award.note:
            notes.append(rule.award.note)
            notes_en.append(rule.award.note_en or rule.award.note)
        if policy.reliability_note:
            notes.append("本条依据转载文本，以官方原文为准。")
            notes_en.append("Built on a reposted text; the official text prevails.")
        return dict(
            rule_id=rule.id, policy_id=policy.id, year=fact.year + rule.year_offset, title=rule.title,
            title_en=rule.title_en, amount_kind=rule.award.kind, subject=fact.label,
            level=self.rs.level_of(rule.id), payer=rule.payer or policy.payer, event=fact.id,
            interpretations=list(rule.interpretations),
            clause=Clause(quote=rule.quote, section=rule.section, policy_title=policy.title,
                          source=policy.source, doc_number=policy.doc_number,
                          heading=rule.heading, source_line=rule.source_line,
                          reliability=policy.reliability_note),
            contacts=list(rule.contacts), notes=notes, notes_en=notes_en,
        )

    def _rule(self, rule: Rule) -> list[Finding]:
        policy = self.rs.policy_of(rule.id)
        fired = engine.rule_matches(rule, self.matches)
        prior = {(t.removesuffix(engine.PRIOR), fid) for t, fid in fired if t.endswith(engine.PRIOR)}
        fired -= {(t + engine.PRIOR, fid) for t, fid in prior}
        tiers = rule.all_tiers()
        findings: list[Finding] = []
        granted: dict[str, tuple[int, bool]] = {}
        """One-time scopes used up: scope → (year, whether it was before the window)."""
        for tier_id, fid in sorted(prior, key=lambda p: self.fact_by_id[p[1]].year):
            fact = self.fact_by_id[fid]
            tier = next(t for t in tiers if t.id == tier_id)
            scope = self._scope(rule, tier, fact)
            if scope is not None and scope not in granted:
                granted[scope] = (fact.year, True)
        for fact in self.by_subject.get(rule.subject, []):
            quick = Explainer(fact, self.chain, words=False)
            if quick.judge_all(rule.select).value is not True:
                continue  # most facts are not this rule's business: no sentences for them
            explainer = Explainer(fact, self.chain)
            base = self._base(rule, fact)
            district = vocab.label(vocab.DISTRICTS, fact.values["district"])
            if not policy.area.contains(fact.values["district"]):
                where = policy.area.text()
                findings.append(Finding(**base, status="not_applicable", amount_wan=None, reasons=[Reason(
                    text=f"企业所在地（{district}）不在本政策适用区域（{where}）",
                    text_en="The company is outside the policy's area", passed=False, field="district")]))
                self._check(rule, fact, fired, [])
                continue
            if fact.window_known and not policy.window.contains(fact.window_year, fact.date):
                when = fact.date.isoformat() if fact.date else f"{fact.window_year}年"
                text = f"事件时间（{when}）不在政策期限（{policy.window.text()}）内"
                if policy.window_note:
                    text += f"；{policy.window_note}"
                findings.append(Finding(**base, status="not_applicable", amount_wan=None, reasons=[Reason(
                    text=text, text_en="The event falls outside the policy's period", passed=False,
                    field="year")]))
                self._check(rule, fact, fired, [])
                continue
            context = [Reason(
                text=f"{fact.label}，企业位于{district}，" + (
                    "在政策适用区域和期限内" if fact.window_known else "在政策适用区域内；事件年份待补充后再判断期限"),
                text_en="Inside the policy's area and period", passed=True),
                *explainer.judge_all(rule.select).reasons]
            common_quick = quick.judge_all(rule.conditions)
            if common_quick.value is False:  # e.g. not an industrial firm: no tier can hold
                judged = [(tier, common_quick) for tier in tiers]
            else:
                judged = [(tier, and_all([common_quick, quick.judge_all(tier.conditions)])) for tier in tiers]
            self._check(rule, fact, fired, [t.id for t, j in judged if j.value is True])
            decided = {t for t, fid in fired if fid == fact.id}  # the engine's matches decide
            self.matched.setdefault(rule.id, set()).update((t, fact.year) for t in decided)

            common_fails = common_quick.value is False

            def in_words(tier, explainer=explainer, context=context, rule=rule,
                         common_fails=common_fails) -> Judgement:
                # When a condition common to all tiers fails, the tiers' own tests say nothing.
                parts = [Judgement(True, context), explainer.judge_all(rule.conditions)]
                if not common_fails:
                    parts.append(explainer.judge_all(tier.conditions))
                return and_all(parts)

            findings.extend(self._from_tiers(rule, fact, base, judged, decided, granted, in_words,
                                             common_fails))
        return findings

    def _check(self, rule: Rule, fact: Fact, fired: set[tuple[str, str]], true_tiers: list[str]) -> None:
        """The explanation must agree with the engine, tier by tier."""
        engine_tiers = sorted(t for t, fid in fired if fid == fact.id)
        if engine_tiers != sorted(true_tiers):
            raise engine.EngineError(
                f"engine and explanation disagree for {rule.id} on {fact.id}: "
                f"engine {engine_tiers}, explanation {sorted(true_tiers)}")

    def _amount(self, rule: Rule, tier, fact: Fact) -> tuple[Decimal | None, Judgement | None]:
        award = rule.award
        if award.kind == "fixed":
            return tier.amount_wan, None
        if award.kind == "per_unit":
            units = fact.get(award.unit_field)
            if units is None:
                return None, None
            total = award.per_unit_wan * units
            return normalize(total), Judgement(True, [Reason(
                text=f"{format_wan(award.per_unit_wan)} × {units}{award.unit_label or ''} = {format_wan(total)}",
                text_en=f"{format_wan(award.per_unit_wan, 'en')} × {units} = {format_wan(total, 'en')}",
                passed=True)])
        if award.kind == "pass_through":
            value = fact.get(award.field)
            return (normalize(value) if value is not None else None), None
        if award.kind == "minimum" and tier.matches:
            matched = self.awarded.get((tier.matches, fact.id))
            if matched is None or matched.amount_wan is None or award.ratio is None:
                return None, None
            total = normalize(matched.amount_wan * award.ratio)
            ratio = f"{normalize(award.ratio)}:1"
            return total, Judgement(True, [Reason(
                text=f"按「{matched.title}」{format_wan(matched.amount_wan)}的{ratio}配套，不低于{format_wan(total)}",
                text_en=f"Matching {matched.rule_id} at {ratio}: at least {format_wan(total, 'en')}",
                passed=True)])
        return None, None

    def _from_tiers(self, rule: Rule, fact: Fact, base: dict, judged: list[tuple], decided: set[str],
                    granted: dict[str, tuple[int, bool]], in_words: Callable[[Any], Judgement],
                    common_fails: bool = False) -> list[Finding]:
        """Findings from the tiers the engine matched (``decided``) and, for the others, the
        quick judgements (unknown or not met); only the tiers shown are put in words."""
        true = [(t, j) for t, j in judged if t.id in decided]
        if true:
            chosen = true[:1] if rule.hit_policy == "highest" else true
            out = []
            for tier, words in self._per_step(rule, fact, chosen):
                reasons = list(in_words(words).reasons)
                amount, extra = self._amount(rule, tier, fact)
                if extra:
                    reasons += extra.reasons
                status = "eligible"
                missing: list[str] = []
                matched = self.found.get((tier.matches, fact.id)) if tier.matches else None
                if matched is not None and matched.status in ("not_eligible", "not_applicable"):
                    status, amount = "not_eligible", None
                    reasons.append(Reason(
                        text=f"「{matched.title}」未获得，无从配套", passed=False,
                        text_en=f"{matched.rule_id} is not awarded: nothing to match"))
                elif amount is None and rule.award.kind in ("pass_through", "minimum"):
                    status = "needs_info"
                    reasons.append(self._amount_missing(rule, tier, fact))
                    missing = [reasons[-1].missing or ""]
                notes, notes_en = list(base["notes"]), list(base["notes_en"])
                if rule.hit_policy == "highest" and len(true) > 1:
                    others = "、".join(t.title for t, _ in true[1:])
                    notes.append(f"同年亦满足{others}；按只奖最高一档，不重复奖励。")
                    others_en = ", ".join(t.title_en or t.title for t, _ in true[1:])
                    notes_en.append(f"Also met that year: {others_en}; only the highest tier is awarded.")
                scope = self._scope(rule, tier, fact)
                if status == "eligible" and scope is not None:
                    if scope in granted:
                        status = "not_eligible"
                        amount = None  # not awarded: no amount, like every not-eligible finding
                        when, before = granted[scope]
                        by = self.rs.vocabulary.field(rule.subject, rule.once_by or "")
                        reasons.append(Reason(
                            text=(f"按{by.zh}计，同一{by.zh}（{fact.get(rule.once_by)}）已于{when}年获得本项资助"
                                  if by is not None and not before else
                                  f"本奖励为一次性奖励，已于{when}年获得") if not before else
                                 f"本奖励为一次性奖励：此前已于{when}年发生（早于本政策期限），不属于首次，不再奖励",
                            text_en=f"One-time award, already granted in {when}" if not before else
                                    f"One-time award: the same event already happened in {when}, "
                                    "before the policy's period", passed=False))
                    else:
                        granted[scope] = (fact.year, False)
                finding = Finding(**{**base, "notes": notes, "notes_en": notes_en,
                                     "year": _paid_in(rule, tier, fact)},
                                  status=status, amount_wan=amount,
                                  tier=None if tier.id == "-" else tier.id, tier_title=tier.title,
                                  tier_title_en=tier.title_en, reasons=reasons, missing=missing,
                                  **_missing_words(reasons))
                if status == "eligible":
                    self.awarded[(rule.id, fact.id)] = finding
                self.found.setdefault((rule.id, fact.id), finding)
                out.append(finding)
            return out
        unknown = [(t, j) for t, j in judged if j.value is None]
        if unknown:
            # Tiers that add up (collect) are each provisional; a ladder shows its highest.
            pending = unknown if rule.hit_policy == "collect" else unknown[:1]
            out = []
            for tier, _ in pending:
                judgement = in_words(tier)
                tier = self._shown_tier(rule, tier, fact)
                amount, _ = self._amount(rule, tier, fact)
                missing = sorted({r.missing for r in judgement.reasons if r.missing})
                out.append(Finding(**{**base, "year": _paid_in(rule, tier, fact)},
                                   status="needs_info", amount_wan=amount,
                                   tier=None if tier.id == "-" else tier.id, tier_title=tier.title,
                                   tier_title_en=tier.title_en, reasons=judgement.reasons,
                                   missing=missing, **_missing_words(judgement.reasons)))
            return out
        tier = min(reversed(judged), key=_closeness)[0]
        reasons = in_words(tier).reasons
        tier = self._shown_tier(rule, tier, fact)
        if rule.not_covered:
            reasons = reasons + [Reason(text=rule.not_covered, text_en=rule.not_covered_en or "",
                                        passed=False)]
        used = [t for t, j in judged
                if t is not tier and any(r.code == "reached_before" for r in j.reasons)]
        if used:
            base = {**base,
                    "notes": base["notes"] + [
                        f"{'、'.join(t.title for t in used)}：标准已于此前年度达到，按\"首次\"不再奖励。"],
                    "notes_en": base["notes_en"] + [
                        f"{', '.join(t.title_en or t.title for t in used)}: reached in an earlier year; "
                        "a first-time award is not paid again."]}
        if common_fails:  # no tier is nearer than another: name none
            return [Finding(**base, status="not_eligible", amount_wan=None, reasons=reasons)]
        return [Finding(**base, status="not_eligible", amount_wan=None,
                        tier=None if tier.id == "-" else tier.id, tier_title=tier.title, tier_title_en=tier.title_en,
                        reasons=reasons)]

    def _per_step(self, rule: Rule, fact: Fact, chosen: list[tuple]) -> list[tuple]:
        """(tier shown, tier judged) pairs: a step ladder gives one finding per step passed
        (only the highest under "highest tier only"), highest first."""
        out = []
        for tier, _ in chosen:
            steps = rule.steps_of(tier)
            if steps is None or rule.repeat is None:
                out.append((tier, tier))
                continue
            levels = steps.crossed(fact) or []
            if rule.hit_policy == "highest":
                levels = levels[-1:]
            out += [(rule.repeat.tier_at(level), tier) for level in reversed(levels)]
        return out

    def _shown_tier(self, rule: Rule, tier, fact: Fact):
        """The tier a finding names: for a step ladder, the next step still to pass."""
        steps = rule.steps_of(tier)
        if steps is None or rule.repeat is None:
            return tier
        return rule.repeat.tier_at(steps.next_level(fact))

    def _amount_missing(self, rule: Rule, tier, fact: Fact) -> Reason:
        """Why an award's amount cannot be given yet (a figure to fill in, or the matched award)."""
        award = rule.award
        if award.kind == "minimum" and tier.matches:
            other = self.rs.rules[tier.matches]
            return Reason(text=f"配套金额须以「{other.title}」的金额为准，该奖励尚未确定",
                          text_en=f"The matching amount follows {tier.matches}, not yet determined",
                          passed=None, missing=f"{tier.matches}（{other.title}）",
                          missing_text=f"须先确定「{other.title}」的金额",
                          missing_text_en=f"The amount of {tier.matches} must be known first")
        spec = self.rs.vocabulary.field(rule.subject, award.field or "")
        label = spec.zh if spec else (award.field or "")
        source = f"{spec.source}（{spec.zh}）" if spec else (award.field or "")
        return Reason(text=f"{fact.year}年{label}未填写", passed=None, field=award.field,
                      text_en=f"{spec.en if spec else award.field} for {fact.year}: missing",
                      missing=source, missing_text=f"请补充{fact.label}的{label}",
                      missing_text_en=f"Please add {spec.en if spec else award.field} for {fact.year}")

    def _scope(self, rule: Rule, tier, fact: Fact) -> str | None:
        if rule.once == "company":
            return rule.id
        if rule.once == "tier":
            return f"{rule.id}#{tier.id}"
        if rule.once == "subject":
            if rule.once_by:
                return f"{rule.id}@{rule.once_by}={fact.get(rule.once_by)}"
            return f"{rule.id}@{fact.key}"
        return None

    def _apply_groups(self, findings: list[Finding]) -> None:
        """Cross-rule hit policies, e.g. city and district awards for one event (INTERP-GEN-2)."""
        for group in self.rs.groups:
            members = [f for f in findings if f.rule_id in group.rules]
            for f in members:
                for iid in group.interpretations:
                    if iid not in f.interpretations:
                        f.interpretations.append(iid)
            if group.hit_policy != "highest":
                continue
            by_event: dict[Any, dict[str, list[Finding]]] = {}
            for f in members:
                if f.status == "eligible":
                    key = f.event if group.same == "event" else f.year
                    by_event.setdefault(key, {}).setdefault(f.rule_id, []).append(f)
            for rules in by_event.values():
                if len(rules) < 2:
                    continue
                # The rule paying more for this event wins; ties go to the first listed.
                totals = {rid: sum((f.amount_wan or Decimal(0) for f in fs), Decimal(0))
                          for rid, fs in rules.items()}
                order = {rid: i for i, rid in enumerate(group.rules)}
                winner = max(rules, key=lambda rid: (totals[rid], -order[rid]))
                title = rules[winner][0].title
                for rid, fs in rules.items():
                    if rid == winner:
                        continue
                    for loser in fs:
                        loser.status = "not_eligible"
                        loser.amount_wan = None
                        loser.reasons.append(Reason(
                            text=f"与「{title}」属同一事件，按就高原则不重复享受",
                            text_en=f"Same event as {winner}; only the higher award applies",
                            passed=False))


def _paid_in(rule: Rule, tier, fact: Fact) -> int:
    """The year an award is paid: the event's, shifted by the tier's or the rule's offset."""
    offset = tier.year_offset if tier.year_offset is not None else rule.year_offset
    return fact.year + offset


def _missing_words(reasons: list) -> dict[str, list[str]]:
    """What to provide, in words, from the reasons that are unknown (no repeats)."""
    zh = list(dict.fromkeys(r.missing_text for r in reasons if getattr(r, "missing_text", None)))
    en = list(dict.fromkeys(r.missing_text_en for r in reasons if getattr(r, "missing_text_en", None)))
    return {"missing_text": zh, "missing_text_en": en}


def _closeness(item: tuple) -> tuple:
    """Which failed tier to explain: the next award still open (not a one-time level already
    used), then the fewest failed conditions, then the smallest money gap."""
    _, judgement = item
    failed = [r for r in judgement.reasons if r.passed is False]
    used = any(r.code == "reached_before" for r in failed)
    # Exactly at a "突破" level (code "equal") is the smallest gap there is.
    gaps = [Decimal(0) if r.code == "equal" else r.gap_wan for r in failed
            if r.gap_wan is not None or r.code == "equal"]
    return (used, len(failed), 0 if gaps else 1, max(gaps) if gaps else Decimal(0))


def _hint_figure(field: str, stood_in: bool, value: Decimal, lang: str) -> str:
    """The figure a hint rests on, named as the user gave it: when only 营业收入 was entered
    and stood in for 主营业务收入, the hint quotes 营业收入 (the figure typed) and says what it
    stood in for — never a 主营业务收入 the user did not write."""
    main = field == "main_revenue_wan"
    if lang == "en":
        amount = format_wan(value, "en")
        if main and stood_in:
            return f"operating revenue of {amount} (standing in for main business revenue, not given)"
        return f"{'main business revenue' if main else 'operating revenue'} of {amount}"
    amount = format_wan(value)
    if main and stood_in:
        return f"营业收入{amount}（代替主营业务收入）"
    return f"{'主营业务收入' if main else '营业收入'}{amount}"


def scale_hints(ruleset: RuleSet, profile: Profile, facts: list[Fact]) -> list[Hint]:
    """Revenue meets the national 规上/限上 line but the company has not entered the register."""
    entered = profile.entries() or None
    hints: list[Hint] = []
    for fact in facts:
        if fact.subject != "company_year" or entered is not None:
            continue  # a company in the register needs no hint, whatever year it entered
        for line in ruleset.scale_lines:
            if profile.sector not in line.sectors or fact.year < line.since:
                continue
            if line.until is not None and fact.year > line.until:
                continue
            value = fact.get(line.field)
            if value is not None and value >= line.min_wan:
                stood_in = line.field in fact.notes  # only operating revenue was given
                hints.append(Hint(
                    kind="scale_entry", year=fact.year,
                    text=f"{fact.year}年{_hint_figure(line.field, stood_in, value, 'zh')}"
                         f"已达到{line.label}的标准，但尚未填写入库纳统年度。"
                         f"可向统计部门申请入库；入库后可申报进规/进限奖励。此为提示，不是奖励。",
                    text_en=f"In {fact.year}, {_hint_figure(line.field, stood_in, value, 'en')} meets "
                            f"the national line ({line.label_en or line.label}) but no register entry "
                            "is recorded: you may apply to the statistics bureau. A hint, not an award."))
                break
    return hints[-1:]
