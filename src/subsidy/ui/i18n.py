"""Every fixed text of the app in Chinese and English, and the money/label formatting it uses.

Why one table: the app is Chinese first and English on a switch; keeping both wordings side
by side means no page can show a Chinese label without its English twin (or the reverse), and
a reviewer can read the whole vocabulary of the app in one place. Field names come from
:data:`subsidy.profile.FIELD_LABELS` and codes from :mod:`subsidy.vocab`, not from here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from subsidy import vocab
from subsidy.money_display import wan_full, wan_short, wan_unit
from subsidy.ui.safe_text import md_text

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- shell
    "app_title": ("武汉产业政策奖补自查", "Wuhan industrial-policy award self-check"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_check": ("企业自查", "Self-check"),
    "page_catalogue": ("规则目录", "Rule catalogue"),
    "page_review": ("审核", "Review"),
    "page_screening": ("政策测算", "Policy screening"),
    "review_placeholder": (
        "审核页面尚未安装。它将用于核对申报清单与计算结果。",
        "The review page is not installed yet. It will check claim lists against the findings.",
    ),
    "sidebar_about": (
        "录入或载入企业数据，查看可获得的奖励、理由、缺少的材料和距下一档的差距。"
        "结果仅供自查参考，以主管部门审核为准。",
        "Enter or load a company's figures to see the awards it qualifies for, why, what is "
        "missing and how far the next award is. For self-checking only; the responsible "
        "departments decide.",
    ),
    "ruleset_version": ("规则版本", "Ruleset version"),
    "internal_error": (
        "出现内部错误，已记录。请检查输入后重试。",
        "An internal error occurred. Please check the input and try again.",
    ),
    # ---------------------------------------------------------------- profile toolbar
    "check_title": ("企业奖补自查", "Award self-check"),
    "check_intro": (
        "第一步：填写或载入企业档案；第二步：点击「开始核查」。金额单位均为万元，可写作 1500、102亿 或 2300万。",
        "Step 1: enter or load the company profile; step 2: press \"Run the check\". "
        "Amounts are in RMB 10k (ten thousand yuan): 1500 means RMB 15 million.",
    ),
    "example": ("示例企业", "Example company"),
    "load_example": ("载入示例", "Load example"),
    "upload": ("上传企业档案（JSON）", "Upload a profile (JSON)"),
    "download_profile": ("下载企业档案（JSON）", "Download the profile (JSON)"),
    "download_profile_invalid": (
        "档案尚有问题，下载的是当前录入内容（未校验）。",
        "The profile still has problems; the download holds what was entered (unchecked).",
    ),
    "clear": ("清空表单", "Clear the form"),
    "loaded": ("已载入：{name}", "Loaded: {name}"),
    "edit_form": ("修改企业数据并重新核查", "Change the figures and check again"),
    "json_bad_at": (
        "文件不是有效的 JSON：第 {line} 行第 {column} 列附近有错误（请检查引号、逗号和括号是否成对）。",
        "The file is not valid JSON: there is an error near line {line}, column {column} "
        "(check that quotes, commas and brackets match).",
    ),
    "json_bad": ("文件不是有效的 JSON 文本。", "The file is not valid JSON text."),
    "upload_refused": ("上传的文件无法读取：", "The uploaded file cannot be read:"),
    "not_loaded": (
        "以下内容未能放入表单（请在表单中重新选择或填写）：",
        "These entries could not be put into the form (please choose or enter them again):",
    ),
    # ---------------------------------------------------------------- form sections
    "sec_basics": ("企业基本信息", "Company basics"),
    "sec_years": ("年度数据（万元）", "Yearly figures (RMB 10k)"),
    "sec_years_help": (
        "每年一行。可写 1500、1,500、102亿 或 2300万；空着表示未填写（相关奖励会显示“需补充信息”），不要填 0 代替未知。",
        "One row per year, amounts in RMB 10k: write 1500 or 1,500. Leave a cell empty when "
        "unknown (awards needing it show \"needs information\"); never write 0 for unknown.",
    ),
    "unit_wan": (f"（{wan_unit('zh')}）", f" ({wan_unit('en')})"),
    "add_year": ("添加年度", "Add a year"),
    "add_year_help": (
        "在表格末尾加一行，年份自动填为下一年；也可直接在表格最后的空行里填写。",
        "Adds a row for the next year at the end of the table; you can also type into the table's last, empty row.",
    ),
    "paste_title": ("从 Excel 粘贴年度数据", "Paste yearly figures from a spreadsheet"),
    "paste_help": (
        "在 Excel 中选中含“年度、营业收入、主营业务收入、区级财政贡献”的单元格（可带表头，年份横排或竖排均可），复制后粘贴到下面。",
        "In the spreadsheet, select the cells with year, revenue, main business revenue and "
        "district fiscal contribution (with or without a header row; years down or across), copy, and paste below.",
    ),
    "paste_label": ("粘贴内容", "Pasted cells"),
    "paste_placeholder": ("年度	营业收入	主营业务收入	区级财政贡献\n2020	1020000	1000000	2300",
                          "Year	Revenue	Main business revenue	Contribution\n2020	1020000	1000000	2300"),
    "paste_apply": ("填入表格", "Put into the table"),
    "table_years": ("年度数据", "Yearly figures"),
    "table_listings": ("上市情况", "Listings"),
    "table_recognitions": ("认定与称号", "Recognitions"),
    "table_talent_projects": ("高端人才项目", "Talent projects"),
    "table_tech_upgrade_projects": ("技术改造项目", "Technology-upgrade projects"),
    "table_incubator_yearly": ("孵化载体年度数据", "Incubator yearly figures"),
    "sec_history": ("此前最高收入与入库纳统", "Earlier peak and register entry"),
    "sec_history_help": (
        "“首次达到/突破”需要知道表中首年之前的最高收入；此前没有收入填 0。",
        "“First reaching/exceeding” needs the highest revenue before the table's first year; "
        "write 0 if there was none.",
    ),
    "sec_listings": ("上市情况", "Listings"),
    "sec_recognitions": ("认定与称号", "Recognitions and titles"),
    "sec_incubator": ("孵化载体（仅运营孵化器、众创空间等的机构填写）", "Incubator (only for carrier operators)"),
    "sec_talent": ("高端人才项目", "Talent projects"),
    "sec_tech": ("技术改造项目", "Technology-upgrade projects"),
    "sec_park": ("园区星级评定（“新两园”运营机构填写）", "Park star rating (park operators)"),
    "choose": ("请选择", "Please choose"),
    "none_option": ("（无）", "(none)"),
    "not_given": ("未填写", "not given"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "tags_none": ("均不属于五大重点产业", "none of the five priority industries"),
    "tags_help": (
        "不选表示未说明（针对产业的扶持措施将显示“需补充信息”）。",
        "Leave empty when not stated (industry-specific measures then show “needs information”).",
    ),
    "district_help": (
        "区级政策要求企业的工商注册地、税务征管关系及统计关系均在该区。",
        "District rules need the company's registration, tax administration and statistical "
        "registration all in that district.",
    ),
    "credit_code_help": (
        "18 位，按 GB 32100-2015 核对校验位；可不填。",
        "18 characters; the check character is verified (GB 32100-2015). Optional.",
    ),
    "year_placeholder": ("例如 2019", "e.g. 2019"),
    "money_placeholder": ("万元，例如 150000 或 15亿", "RMB 10k, e.g. 150000"),
    "tech_revenue_col": ("各年地方新增财力（年份:万元）", "New local fiscal revenue (year:RMB 10k)"),
    "tech_revenue_help": (
        "例如 2020:50, 2021:60, 2022:70",
        "e.g. 2020:50, 2021:60, 2022:70",
    ),
    "programme_help": (
        "千人计划、百人计划、黄鹤英才，或其他计划的名称",
        "Thousand Talents, Hundred Talents, Yellow Crane Talents, or another programme's name",
    ),
    "date_help": ("按 年-月-日 填写，例如 2020-07-22", "As year-month-day, e.g. 2020-07-22"),
    "incubator_rec": ("孵化器认定", "Incubator recognition"),
    "incubator_yearly": ("年度运营数据", "Yearly operating figures"),
    "row_problem": ("第 {row} 行「{label}」：{message}", "Row {row}, {label}: {message}"),
    "problems_title": (
        "企业档案有 {n} 处需要修改（已在对应字段下方标出）：",
        "The profile has {n} problem(s) to fix (marked below each field):",
    ),
    "tech_revenue_bad": (
        "字段 {path}（地方新增财力）：“{value}” 无法识别，应写成 年份:金额，多项用逗号分隔，例如 2020:50, 2021:60",
        "field {path} (new local fiscal revenue): “{value}” is not understood; write year:amount "
        "separated by commas, e.g. 2020:50, 2021:60",
    ),
    # ---------------------------------------------------------------- interpretation panel
    "interp_title": ("高级：条文解释选择", "Advanced: readings of ambiguous clauses"),
    "interp_intro": (
        "政策原文有歧义之处，计算器采用默认解释；可在此改用另一种解释，结果和报告会注明所用解释。",
        "Where a clause is ambiguous the calculator applies a default reading; switch to the "
        "alternative here. Results and reports state the readings used.",
    ),
    "interp_default": ("默认", "default"),
    "interp_alternative": ("备选", "alternative"),
    "interp_reset": ("全部恢复默认", "Reset all to default"),
    # ---------------------------------------------------------------- results
    "run_check": ("开始核查", "Run the check"),
    "summary_eligible": ("可获得 {n} 项，共 {total}", "{n} award(s) available, {total} in total"),
    "summary_needs": ("需补充 {n} 项", "{n} need more information"),
    "summary_next": ("最近的下一档：{what}", "nearest next award: {what}"),
    "next_award": ("「{tier}」奖励 {award}（{short}）", "\"{tier}\", award {award} ({short})"),
    "list_sep": ("；", "; "),
    "paren": ("（{text}）", " ({text})"),
    "full_stop": ("。", ". "),
    "fix_first": (
        "请先修改上面标出的问题，然后再核查。已填写的内容都已保留。",
        "Please fix the problems marked above first; everything entered is kept.",
    ),
    "results_title": ("核查结果：{company}", "Results: {company}"),
    "total": ("可获得奖励合计", "Total of eligible awards"),
    "total_help": (
        "所有“可获得”结果中有确定金额的奖励之和（含按数量计算和返还新增财力的金额）；一事一议和非资金支持不计入。",
        "Sum of the amounts of all eligible findings that carry an amount (including per-unit "
        "and pass-through amounts); case-by-case and non-monetary support are not counted.",
    ),
    "by_level": ("按层级", "By level"),
    "by_year": ("按年度", "By year"),
    "level_col": ("层级", "Level"),
    "group_awards": ("资金奖励", "Awards with an amount"),
    "group_case": ("一事一议/差异化奖励（金额由主管部门确定）", "Case-by-case awards (amount set by the department)"),
    "group_support": ("可申请的扶持措施（非资金）", "Support you may ask for (non-monetary)"),
    "level_city": ("市级", "City"),
    "level_district": ("区级", "District"),
    "year_col": ("年度", "Year"),
    "amount_col": ("金额", "Amount"),
    "count_eligible": ("可获得 {n} 项", "{n} eligible"),
    "extra_kinds": (
        "另有：{items}（不计入合计）",
        "Also: {items} (not in the total)",
    ),
    "n_case_by_case": ("{n} 项一事一议/差异化奖励", "{n} case-by-case award(s)"),
    "n_support": ("{n} 项非资金扶持", "{n} non-monetary support measure(s)"),
    "n_needs_info": ("{n} 项需补充信息", "{n} need more information"),
    "readings_used": ("本次采用的解释", "Readings used"),
    "readings_all_default": ("全部采用默认解释", "all default readings"),
    "readings_switched": ("已切换：{items}", "switched: {items}"),
    "hints": ("提示", "Hints"),
    "checklist_title": ("需补充的信息（补充后可能获得）", "Information to provide (may unlock awards)"),
    "checklist_for": ("用于：{what}", "for: {what}"),
    "findings_title": ("逐项结果", "Findings"),
    "no_findings": ("（无）", "(none)"),
    "reason_col_ok": ("结果", "Result"),
    "reason_col_text": ("条件", "Condition"),
    "reason_col_actual": ("实际", "Actual"),
    "reason_col_required": ("要求", "Required"),
    "clause": ("政策原文", "Clause"),
    "source_doc": ("来源文件", "Source document"),
    "source_see_catalogue": ("（可在「规则目录」页查看全文）", "(full text on the Rule catalogue page)"),
    "interp_used": ("影响本结果的解释", "Readings that shaped this finding"),
    "reading_in_force": ("采用：{label}", "Applied: {label}"),
    "notes": ("说明", "Notes"),
    "contacts": ("责任单位（申报渠道）", "Responsible units (where to apply)"),
    "to_provide": ("需补充", "To provide"),
    "support_kind": ("扶持内容", "Support"),
    "amount_kind": ("金额类型", "Kind of amount"),
    "provisional": ("暂定金额（其余条件满足时）", "Provisional amount (if the rest holds)"),
    "export_title": ("导出", "Export"),
    "export_excel": ("下载 Excel 工作簿", "Download Excel workbook"),
    "export_html": ("下载可打印报告（HTML）", "Download printable report (HTML)"),
    "export_json": ("下载结果（JSON）", "Download findings (JSON)"),
    "export_help": (
        "HTML 报告可在浏览器中打开后打印或另存为 PDF。",
        "Open the HTML report in a browser to print it or save it as PDF.",
    ),
    # ---------------------------------------------------------------- ladder chart
    "nm_title": ("距下一档奖励：还差什么", "The next award: what is still missing"),
    "nm_gap": ("差距", "Gap"),
    "nm_short_by": ("{what}还差 {gap}", "{what} short by {gap}"),
    "nm_awarded": ("{year}年已获得「{tier}」，{amount}。", "{year}: awarded \"{tier}\", {amount}."),
    "nm_next": (
        "下一档：「{tier}」，奖励 {amount}。按{year}年数据，各项条件如下：",
        "Next tier: \"{tier}\", award {amount}. With the {year} figures, its conditions stand as follows:",
    ),
    "nm_top": ("本政策此台阶奖励已无更高一档。", "There is no higher tier on this ladder."),
    "nm_lost_now": (
        "已无法获得「{tier}」（{amount}）：{year}年已首次达到该档的收入标准，但未同时满足其他条件（{why}）；"
        "按“首次”规定，以后年度不再奖励。",
        "\"{tier}\" ({amount}) can no longer be had: its revenue level was first reached in {year} "
        "while another condition was not met ({why}); as the award is for the first time only, a "
        "later year cannot earn it.",
    ),
    "nm_lost_before": (
        "已无法获得「{tier}」（{amount}）：该档的收入标准已于{year}年首次达到，按“首次”规定不再奖励。",
        "\"{tier}\" ({amount}) can no longer be had: its revenue level was first reached in {year}, "
        "and the award is for the first time only.",
    ),
    "ladder_title": ("距下一档奖励", "How far to the next award"),
    "ladder_no_years": (
        "填写年度营业收入后，这里显示收入与奖励台阶的对比。",
        "Enter yearly revenue to compare it with the award ladders.",
    ),
    "ladder_none": (
        "没有适用于本企业的收入台阶奖励（所在区、行业或政策期限不符）。",
        "No revenue ladder applies to this company (district, sector or policy period).",
    ),
    "ladder_axis_year": ("年度", "Year"),
    "ladder_axis_value": ("金额（亿元）", "Amount (100 million yuan)"),
    "ladder_series": ("指标", "Figure"),
    "ladder_line": ("台阶", "Level"),
    "ladder_caption": (
        "柱：各年收入；横线：适用的奖励台阶（来自规则文件）。只有已获得的台阶标为“已获得”：收入超过横线不等于获奖，其他条件见上方“还差什么”。",
        "Bars: revenue per year; lines: the award levels that apply (from the rule files). Only "
        "levels actually awarded are marked \"awarded\": revenue above a line is not an award by "
        "itself; the other conditions are listed above.",
    ),
    "ladder_state_awarded": ("（已获得）", " (awarded)"),
    "ladder_state_lost": ("（已无法获得）", " (no longer possible)"),
    "ladder_state_next": ("（下一档）", " (next)"),
    "ladder_state_open": ("", ""),
    "gap_title": ("差距说明", "The gap in words"),
    "gap_latest_ok": ("{year}年：已获得「{tier}」（{amount}）。", "{year}: awarded “{tier}” ({amount})."),
    "gap_next_level": ("下一台阶：{level}，奖励 {amount}。", "Next level: {level}, award {amount}."),
    "gap_none": ("暂无未达到的台阶说明。", "No unmet level to explain."),
    "gap_top": ("已达到图中所有台阶。", "All levels shown have been reached."),
    # ---------------------------------------------------------------- catalogue
    "cat_title": ("规则目录", "Rule catalogue"),
    "cat_intro": (
        "收录的每份政策文件及其每条奖励/扶持条款：期限、适用区域、金额、条件和原文。金额和门槛全部来自规则文件。",
        "Every policy document encoded and each of its award or support clauses: period, area, "
        "amount, conditions and verbatim text. All amounts and thresholds come from the rule "
        "files in rules/.",
    ),
    "cat_window": ("适用期限", "Period"),
    "cat_area": ("适用区域", "Area"),
    "cat_issuer": ("发文单位", "Issued by"),
    "cat_issued": ("印发日期", "Issued"),
    "cat_monetary": ("资金奖励", "Monetary awards"),
    "cat_monetary_no": ("无资金奖励条款，仅扶持措施", "No monetary clause; support measures only"),
    "cat_rules": ("条款", "Clauses"),
    "cat_amount": ("金额", "Amount"),
    "cat_conditions": ("条件", "Conditions"),
    "cat_applicant": ("申报主体", "Applicant"),
    "cat_once": ("一次性", "One-time"),
    "cat_once_company": ("每家企业限一次", "once per company"),
    "cat_once_tier": ("每个档次限一次", "once per tier"),
    "cat_once_subject": ("每个事项限一次", "once per item"),
    "cat_hit": ("同一事件多档", "Several tiers for one event"),
    "cat_hit_highest": ("只奖最高一档", "highest tier only"),
    "cat_hit_collect": ("各档分别奖励", "each tier awarded"),
    "cat_view_source": ("查看原文：{name}", "View the source text: {name}"),
    "cat_source_missing": ("找不到原文文件 {name}。", "Source file {name} not found."),
    "cat_interps": ("条文解释", "Readings"),
    "cat_search": ("筛选（规则编号或标题）", "Filter (rule id or title)"),
    "cat_every": ("每", "per"),
    "cat_repeat": ("每跨越一个台阶（{start}起，每{step}）", "each further step ({start} on, every {step})"),
    "cat_pass_through": ("返还地方新增财力", "pass-through of new local fiscal revenue"),
    "cat_if": ("若", "if "),
    "cat_then": ("，则", ", then "),
    "cat_otherwise": ("否则", "otherwise "),
    "cat_to": ("至", "to"),
    "cat_date_unknown": ("日期未载明", "date not stated"),
    "cat_open_end": ("（未规定）", "(no end date)"),
    "cat_all_wuhan": ("武汉市全市", "all of Wuhan"),
    "cat_window_note": ("期限说明", "Note on the period (original text)"),
    "cat_any": ("以下任一", "any of"),
    "cat_after": ("当年已获得「{rule}」奖励", "awarded “{rule}” the same year"),
    "cat_first_reach": ("首次达到", "first reaches"),
    "cat_first_exceed": ("首次突破（不含本数）", "first exceeds"),
    "cat_no_conditions": ("无其他条件", "no further conditions"),
}
"""key → (Chinese, English)."""

STATUS_ICONS = {
    "eligible": ":green[:material/check_circle:]",
    "needs_info": ":orange[:material/pending:]",
    "not_eligible": ":red[:material/cancel:]",
    "not_applicable": ":gray[:material/block:]",
}
"""Status marks for markdown (Streamlit's bundled icon font: no emoji font is needed)."""
REASON_MARKS = {True: "✓", False: "✗", None: "?"}
REASON_MARKS_MD = {True: ":green[**✓**]", False: ":red[**✗**]", None: ":orange[**?**]"}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The text ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def money(value: Decimal | None, lang: str = "zh") -> str:
    """An amount in full: "1,160万元", with 亿元 alongside where large; "RMB 11,600,000"."""
    return wan_full(value, lang)


def money_short(value: Decimal | None, lang: str = "zh") -> str:
    """A compact amount for lists and chart labels: "2,235万元", "102亿元", "RMB 22.35 m"."""
    return wan_short(value, lang)


def figure(text: str | None, lang: str = "zh") -> str:
    """A figure the evaluation wrote ("2300万元", "102亿元") in the page's own money format
    ("2,300万元"); any other text ("≥ 15%", "是") as it is."""
    if not text:
        return ""
    if lang == "en":
        return figure_en(text)
    from subsidy.money import MoneyError, parse_money

    try:
        value = parse_money(text.strip())
    except (MoneyError, ArithmeticError, ValueError):
        return text
    if not any(unit in text for unit in ("万", "亿", "元")):
        return text  # a bare number (a count, a year) is not money
    return money_short(value, lang)


_COUNTED = re.compile(r"^([0-9][0-9,.]*)\s*[家年个项名人次]$")
_OPERATOR = re.compile(r"^([>≥<≤=≠]\s*)")
_WORDS_EN = {"是": "yes", "否": "no", "未填写": "not given"}


def _label_en(text: str) -> str | None:
    """The English label of a vocabulary label written in Chinese (a sector, a title)."""
    for table in vocab.VOCABULARIES.values():
        for entry in table.values():
            if entry.zh == text:
                return entry.en
    return None


def _money_or_none(text: str) -> Decimal | None:
    from subsidy.money import MoneyError, parse_money

    try:
        return parse_money(text)
    except (MoneyError, ArithmeticError, ValueError):
        return None


def figure_en(text: str) -> str:
    """A figure the evaluation wrote in Chinese ("3家", "是", "2300万元", "工业、批发业") in
    English: money as RMB, counts and years without their Chinese measure word, yes/no, and
    vocabulary labels by their English twins. Why derived here: the reasons keep one
    "actual"/"required" text (the contract's), and the English page must not show 家 or 否.
    Text that is none of these (a name the user typed) is left as it stands."""
    parts = []
    for part in text.split("、"):
        operator = _OPERATOR.match(part)
        prefix = operator.group(1) if operator else ""
        core = part[len(prefix):].strip()
        counted = _COUNTED.match(core)
        if any(unit in core for unit in ("万", "亿", "元")) and (money := _money_or_none(core)) is not None:
            shown = money_short(money, "en")
        elif counted:
            shown = counted.group(1)
        elif core in _WORDS_EN:
            shown = _WORDS_EN[core]
        else:
            shown = _label_en(core) or core
        parts.append(prefix + shown)
    return ", ".join(parts)


def amount_text(value: Decimal | None, kind: str, lang: str = "zh") -> str:
    """An award amount; an award without an amount says what it is — never 0."""
    if value is not None:
        return money(value, lang)
    return vocab.label(vocab.AMOUNT_KINDS, kind, lang)


def status_label(status: str, lang: str = "zh") -> str:
    return vocab.label(vocab.STATUSES, status, lang)


def md(text: object) -> str:
    """Text made literal for ``st.markdown`` (no emphasis, links, tables, LaTeX or icons by
    accident); see :func:`subsidy.ui.safe_text.md_text`."""
    return md_text(text)


_MD_INLINE = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]#|$~"})


def zh_span(text: str) -> str:
    """Chinese text inside an English page, marked ``lang="zh-CN"``: HTML-escaped and with
    Markdown's characters escaped, so it is shown exactly as it stands."""
    import html

    return f'<span lang="zh-CN">{html.escape(str(text)).translate(_MD_INLINE)}</span>'


def quote(text: str, lang: str) -> None:
    """A verbatim clause of a policy document. It exists only in Chinese: in the English page
    it is marked as Chinese text (``lang="zh-CN"``), so a reader's tools (and the page's
    language check) know it is the original, quoted on purpose."""
    import html

    import streamlit as st

    if lang != "en":
        st.markdown(f"> {md(text)}")
        return
    # One HTML block (no blank line inside): its content is not read as Markdown.
    body = html.escape(text).replace("\n", "<br>")
    st.markdown(f'<blockquote lang="zh-CN">{body}</blockquote>', unsafe_allow_html=True)


def names(title: str, items: list[str], lang: str) -> None:
    """Proper names that exist only in Chinese (responsible units), as a caption; marked as
    Chinese text in the English page, like :func:`quote`."""
    import html

    import streamlit as st

    if lang != "en":
        st.caption(f"{title}{colon(lang)}{md('、'.join(items))}")
        return
    body = ", ".join(zh_span(item) for item in items)
    st.caption(f"{html.escape(title)}: {body}", unsafe_allow_html=True)


def colon(lang: str) -> str:
    """The label separator of the language: "：" or ": "."""
    return ": " if lang == "en" else "："
