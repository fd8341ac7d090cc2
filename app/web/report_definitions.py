"""The reports' definitions ("how these figures are counted") in the page's language.

The report services (app/services/reports) write each report's definitions in English, once:
the JSON API returns them as they are. The dashboards must read wholly in Chinese on a Chinese
page, so this module holds the Chinese for every (report, definition key) the dashboards show,
and ``shown`` picks the page's language. The English is never copied here: an English page
shows the service's text, and a key with no Chinese yet (a definition a service adds later)
falls back to it. tests/web/test_dashboards_pages.py checks that both stay in step.
"""

from __future__ import annotations

from .i18n import language, t

# the English texts the services compose their definitions from, in Chinese
_PERIOD = "开始 / 结束日期按 UTC 自然日计，含结束日"
_SCOPE = "销售代表只统计自己的记录，经理统计其团队成员的记录"
_CURRENCIES = "金额按币种分别统计（不做换算），以分为单位求和"
_FIRST_WON = ("商机有一次进入赢单阶段的阶段变更即为赢单，赢单日期取第一次这样的变更"
              "（之后重新打开的商机仍按该日期算作赢单）")
_LEAD_FILTERS = ("按线索统计的指标：团队 = 线索的团队，人员 = 线索的负责人，渠道 = 线索的来源，"
                 "产品 = 线索的意向产品")
_DEAL_FILTERS = ("按商机统计的指标：团队和人员取商机的；渠道和产品取商机来源线索的来源和意向产品"
                 "（没有来源线索的商机不匹配任何渠道或产品筛选）")

# attribution's dimension -> the lead's column it groups by (``{by_column}``)
_BY_COLUMNS = {"channel": "线索的来源", "team": "线索的团队", "product": "线索的意向产品",
               "campaign": "线索的营销活动"}

# the filter definitions both process reports share
_PROCESS_FILTERS = {
    "period": ("统计期间",
               "开始 / 结束日期（UTC 自然日，含结束日）按被测事项结束的时间筛选：离开阶段、"
               "任务完成、生成报价文档、记录流程实例事件；首次致电 SLA 筛选期间内创建的任务；"
               "当前逾期不受期间限制（以此刻为准）。"),
    "owner_team": ("人员与团队",
                   "阶段时长和报价周转：取商机的负责人和团队。任务类指标：取完成任务的用户"
                   "（任务未完成或已取消时取处理人）；团队 = 该用户是该团队的成员。"
                   "销售代表只看到自己的数据，经理看到其团队成员的数据。"),
    "channel_product": ("渠道与产品",
                        "阶段时长和报价周转：取商机来源线索的来源和意向产品（给出其中任一筛选时，"
                        "没有来源线索的商机不计入）。只涉及任务的指标（审批、首次致电 SLA、"
                        "逾期任务、流程节点、事件日志）忽略这两项筛选。"),
}

CHINESE: dict[tuple[str, str], tuple[str, str]] = {
    # -- the funnel (app/services/reports/sales.py: funnel) --
    ("funnel", "cohort"): (
        "线索群组",
        f"期间内创建的线索（{_PERIOD}）；每个环节统计群组中此后任何时间到达该环节的线索，"
        "不论是否经过前一环节（没有记录高意向致电就转化的线索计入商机，但不计入有效线索）"),
    ("funnel", "lead"): ("线索", "群组中的全部线索"),
    ("funnel", "qualified"): ("有效线索", "线索有一条意向为“高”（high）的致电（called）事件"),
    ("funnel", "opportunity"): ("商机", "线索已转化（有对应的商机）"),
    ("funnel", "quote_sent"): ("已报价", "线索对应商机的某张报价单已生成报价文档"),
    ("funnel", "contract_approved"): ("合同已批准", "线索对应商机的某份合同已批准或已签署"),
    ("funnel", "won"): ("赢单", "线索对应的商机有一次进入赢单阶段的阶段变更"),
    ("funnel", "rate_from_previous"): (
        "环比上一环节", "数量 / 上一环节的数量（第一个环节，或上一环节数量为 0 时为空）"),
    ("funnel", "rate_overall"): ("占全部线索", "数量 / 群组的线索数（没有线索时为空）"),
    ("funnel", "filters"): ("筛选条件", f"{_LEAD_FILTERS}；{_SCOPE}"),
    # -- the forecast (sales.py: forecast) --
    ("forecast", "pipeline"): (
        "未结商机",
        "未结商机（当前阶段既非赢单也非输单），按预计成交日期所在月份（YYYY-MM；没有日期的记为"
        "“no_date”）和币种分组；给出开始 / 结束日期时，只统计预计在此期间成交的商机"
        f"（因此不含没有日期的）；{_CURRENCIES}"),
    ("forecast", "weighted"): (
        "加权金额",
        "每个商机的金额 × 成交概率 / 100（优先用商机自己设定的概率，否则用其所在阶段的概率），"
        "四舍五入到分后求和；没有金额的按 0 计"),
    ("forecast", "won"): (
        "按月赢单",
        "期间内赢单的商机（未给开始 / 结束日期时为全部时间），按赢单日期所在月份和币种统计数量"
        f"与金额；{_FIRST_WON}"),
    ("forecast", "win_rates"): (
        "各阶段赢率",
        "按看板顺序列出每个已配置的阶段：到达 = 有进入该阶段的阶段变更的商机（给出期间时限于"
        "期间内的变更）；赢单 = 其中曾有进入赢单阶段的阶段变更的商机；赢率 = 赢单 / 到达"),
    ("forecast", "filters"): ("筛选条件", f"{_DEAL_FILTERS}；{_SCOPE}；{_PERIOD}"),
    # -- the leaderboard (sales.py: leaderboard) --
    ("leaderboard", "people"): (
        "人员",
        "期间内有数据的每个人一行；人员 = 商机的负责人（赢单）、客户的负责人（新客户）、"
        "致电人（跟进线索、首次响应）；为空：记录没有对应人员"),
    ("leaderboard", "teams"): (
        "团队",
        "每个团队一行；团队 = 记录的团队字段：商机的、客户的、线索的（跟进线索、首次响应）；"
        "为空：没有团队"),
    ("leaderboard", "people_won"): (
        "人员赢单金额",
        f"每人每个币种一行：赢单数（deals_won）、赢单金额（won_amount）；{_CURRENCIES}"),
    ("leaderboard", "teams_won"): (
        "团队赢单金额",
        f"每个团队每个币种一行：赢单数（deals_won）、赢单金额（won_amount）；{_CURRENCIES}"),
    ("leaderboard", "deals_won"): (
        "赢单数", f"赢单日期在期间内的商机（不分币种）；{_FIRST_WON}"),
    ("leaderboard", "won_amount"): ("赢单金额", "这些商机的金额之和（没有金额的按 0 计）"),
    ("leaderboard", "new_customers"): ("新客户", "期间内创建的客户（客户账户）"),
    ("leaderboard", "leads_handled"): (
        "跟进线索", "此人在期间内有致电（called）事件的不同线索数"),
    ("leaderboard", "median_first_response_hours"): (
        "首次响应中位数（小时）",
        "对第一次致电事件在期间内的每条线索：从该次致电当时或之前的第一次分配（分配、派发、"
        "认领、重新分配）到这次致电的小时数，记在致电人名下；取这些线索的中位数（致电前从未"
        "分配过的线索不计入）；first_responses = 计入的线索数"),
    ("leaderboard", "filters"): (
        "筛选条件",
        "人员筛选和数据范围作用于业绩归属人（商机负责人、客户负责人、致电人）；团队、渠道和"
        f"产品：商机与销售预测相同（{_DEAL_FILTERS}），客户同理（客户的团队、其来源线索），"
        f"致电按被致电的线索（其团队、来源、意向产品）；{_SCOPE}；{_PERIOD}"),
    # -- attribution (sales.py: attribution; {by} and {by_column} name its dimension) --
    ("attribution", "cohort"): (
        "线索群组", f"期间内创建的线索（{_PERIOD}），按{{by}}分组（{{by_column}}；为空：无）"),
    ("attribution", "leads"): ("线索", "群组中属于该组的线索"),
    ("attribution", "won"): (
        "赢单", f"其中对应商机已赢单（任何时间）的线索；{_FIRST_WON}"),
    ("attribution", "conversion_rate"): ("转化率", "赢单 / 线索"),
    ("attribution", "median_cycle_days"): (
        "周期中位数（天）", "已赢单线索从线索创建到其商机赢单日期的天数的中位数"),
    ("attribution", "won_amounts"): (
        "赢单金额", f"每组每个币种：赢单线索数及其商机金额之和；{_CURRENCIES}"),
    ("attribution", "filters"): ("筛选条件", f"{_LEAD_FILTERS}；{_SCOPE}"),
    # -- cycle times (app/services/reports/process.py: cycle_times) --
    **{("cycle-times", key): text for key, text in _PROCESS_FILTERS.items()},
    ("cycle-times", "stages"): (
        "阶段时长",
        "每个阶段：从进入该阶段的阶段变更到同一商机下一次阶段变更的时间（在该商机按时间、id "
        "排序的阶段变更上取 LEAD(changed_at)），单位小时；尚未离开的阶段不计入。给出数量、"
        "中位数和 90 分位（线性插值，同 percentile_cont）。"),
    ("cycle-times", "approvals"): (
        "审批时长",
        "每个审批步骤（合同审批：sales/legal/finance_director_approval；报价："
        "director_discount -> sales_director，finance_discount -> finance_director）：已完成"
        "的任务从创建到完成的小时数；数量、中位数、90 分位。"),
    ("cycle-times", "approval_roles"): ("各角色审批时长", "同样的审批任务，按审批角色分组。"),
    ("cycle-times", "quote_turnaround"): (
        "报价周转",
        "从报价单创建到其第一份报价文档（类型为 quote 的文档）的小时数；数量、中位数、90 分位。"),
    ("cycle-times", "first_call_sla"): (
        "24 小时内首次致电",
        "lead_followup 流程中期间内创建的 first_call 任务，且已完成，或未完成时已过 24 小时"
        "（此刻仍未完成，或超过 24 小时后才取消）；within_24h：创建后 24 小时内完成；"
        "比例 = within_24h / 总数。"),
    ("cycle-times", "overdue_now"): (
        "当前逾期",
        "截止时间早于此刻的未完成任务，按流程、元素和处理人分组：数量和最早的截止时间。"
        "不受期间筛选。"),
    # -- process nodes, the heat map (process.py: process_nodes) --
    **{("process-nodes", key): text for key, text in _PROCESS_FILTERS.items()},
    ("process-nodes", "passed"): (
        "经过次数",
        "该版本中有该元素的实例事件（元素已完成）且事件在期间内的不同流程实例数。按销售代表或"
        "团队统计时：其人员完成过或正持有任务的实例。"),
    ("process-nodes", "tasks"): (
        "任务数", "该版本该元素已完成的人工任务：完成时间在期间内，由数据范围内的人员完成。"),
    ("process-nodes", "waiting"): (
        "等待时长",
        "从任务创建到被领取的秒数（未领取就完成的任务按完成时刻视为领取）；中位数和 90 分位。"),
    ("process-nodes", "working"): ("处理时长", "从领取到完成的秒数；中位数和 90 分位。"),
    ("process-nodes", "order"): ("排序", "先按版本，再按元素在事件中首次出现的先后。"),
}


def shown(report_name: str, definitions: dict[str, str], **values: str | None
          ) -> list[tuple[str, str]]:
    """(term, text) per definition of the report, in the page's language.

    An English page: the key and the service's text. A Chinese page: the Chinese term and
    text, the report's arguments (``by="channel"``) put in as Chinese words; a key without
    Chinese keeps the service's English rather than disappearing.
    """
    if language() != "zh-CN":
        return list(definitions.items())
    words = _words({k: v for k, v in values.items() if v is not None})
    pairs = []
    for key, english in definitions.items():
        chinese = CHINESE.get((report_name, key))
        try:
            pairs.append((chinese[0], chinese[1].format(**words)) if chinese
                         else (key, english))
        except KeyError:  # a placeholder not given: the English says it right
            pairs.append((key, english))
    return pairs


def _words(values: dict[str, str]) -> dict[str, str]:
    """A report's arguments as the Chinese texts name them."""
    words = dict(values)
    if "by" in values:
        words["by"] = t(f"dashboards.by.{values['by']}")
        words["by_column"] = _BY_COLUMNS.get(values["by"], values["by"])
    return words
