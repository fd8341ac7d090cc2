"""The services' refusals ("the task is claimed by bob") in the page's language.

The services say why they refuse in English, once: the JSON API returns that message as it
is, and API clients rely on it. A person on a Chinese page should read the reason in Chinese,
so the common refusals are recognised here by their shape and told again in Chinese, with the
codes in them (a status, a stage) in the page's words. A message no pattern knows keeps its
English: the sentence around it (无法转化：…) still says what kind of refusal it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug import exceptions as http

from .i18n import language, t, term

_THINGS = {"process instance": "流程实例", "task": "任务", "lead": "线索", "document": "文档",
           "ticket": "工单", "quote": "报价", "product": "产品", "price list": "价格表",
           "opportunity": "商机", "notification": "通知", "interaction": "沟通记录",
           "customer": "客户", "contract": "合同", "contact": "联系人"}


def _stage(key: str) -> str:
    from .views import stage_names

    return stage_names().get(key, key)


# how a captured code reads on the page, by the group's name
_WORDS: dict[str, Callable[[str], str]] = {
    "thing": lambda value: _THINGS.get(value, value),
    "task_status": lambda value: term("inbox.status.", value),
    "lead_status": lambda value: term("leads.status.", value),
    "instance_status": lambda value: term("instances.status.", value),
    "quote_status": lambda value: term("pipeline.quote_status.", value),
    "contract_status": lambda value: term("approvals.status.", value),
    "stage": _stage,
    "verb": lambda value: {"cancel": "取消", "retry": "重试"}.get(value, value),
}

_THING = "|".join(sorted(_THINGS, key=len, reverse=True))
_CHINESE: tuple[tuple[str, str], ...] = (
    (rf"(?P<thing>{_THING}) (?P<id>\S+) does not exist", "{thing} {id} 不存在。"),
    (r"this (?P<thing>lead|customer|opportunity) belongs to someone else",
     "这个{thing}属于别人。"),
    (r"this task is not offered to you", "这项任务没有分派给您。"),
    (r"the task is claimed by (?P<name>\S+)", "任务已被 {name} 领取。"),
    (r"the task is (?P<task_status>\w+)", "任务{task_status}。"),
    (r"only a holder of the role (?P<roles>.+?) may .*",
     "只有 {roles} 角色的成员可以处理这项任务。"),
    (r"the task can no longer be completed: (?P<why>.*)", "任务已无法完成：{why}"),
    (r"only managers dispatch leads", "只有经理可以分派线索。"),
    (r"the lead is not in the pool.*", "线索不在公海池中：已经有人领取了。"),
    (r"the lead is closed already", "线索已关闭。"),
    (r"the lead is (?P<lead_status>\w+)", "线索当前为「{lead_status}」。"),
    (r"you have claimed (?P<claimed>\d+) leads today; the limit is (?P<limit>\d+)",
     "您今天已领取 {claimed} 条线索，每日上限为 {limit} 条。"),
    (r"a converted lead is not closed", "已转化的线索不能关闭。"),
    (r"a closed lead cannot be converted", "已关闭的线索不能转化。"),
    (r"claim or dispatch the lead before converting it", "请先领取或分派线索，再转化。"),
    (r"only managers close leads in the pool", "只有经理可以关闭公海池中的线索。"),
    (r"you take no part in this process instance", "您没有参与这个流程实例。"),
    (r"only managers and admins may (?P<verb>cancel|retry) a process instance",
     "只有经理和管理员可以{verb}流程实例。"),
    (r"the instance is already (?P<instance_status>\w+)",
     "流程实例已是「{instance_status}」状态。"),
    (r"the instance is (?P<instance_status>\w+), not in error",
     "流程实例为「{instance_status}」状态，没有出错，无需重试。"),
    (r"only the opportunity's owner, their manager or an admin may do this",
     "只有商机负责人、其经理或管理员可以这样做。"),
    (r"only managers and admins give a deal to someone else",
     "只有经理和管理员可以把商机转给别人。"),
    (r"the opportunity is (?P<stage>\w+): it takes no new quote",
     "商机处于「{stage}」阶段，不能再新建报价。"),
    (r"the opportunity is (?P<stage>\w+): it takes no new contract",
     "商机处于「{stage}」阶段，不能再起草合同。"),
    (r"quote v(?P<version>\d+) was accepted and is frozen; draw up the contract from it",
     "报价 v{version} 已被接受并冻结，请据此起草合同。"),
    (r"quote v(?P<version>\d+) was accepted: it is frozen",
     "报价 v{version} 已被接受，不能再修改。"),
    (r"quote v(?P<version>\d+) is (?P<quote_status>\w+) already",
     "报价 v{version} 已是「{quote_status}」状态。"),
    (r"quote v(?P<version>\d+) is (?P<quote_status>\w+): only an accepted quote becomes a "
     r"contract", "报价 v{version} 为「{quote_status}」：只有已接受的报价才能生成合同。"),
    (r"contract (?P<number>\S+) of this opportunity is (?P<contract_status>\w+); withdraw it "
     r"first", "该商机的合同 {number} 为「{contract_status}」状态，请先撤回。"),
    (r"contract (?P<number>\S+) is (?P<contract_status>\w+): it cannot be withdrawn",
     "合同 {number} 为「{contract_status}」状态，不能撤回。"),
    (r"contract (?P<number>\S+) is (?P<contract_status>\w+): it does not wait for the "
     r"customer's signature", "合同 {number} 为「{contract_status}」状态，不在等待客户签署。"),
    (r"this interaction is with someone else's customer", "这条沟通记录属于别人的客户。"),
    (r"only its author, their managers and admins may change an interaction",
     "只有记录人、其经理和管理员可以修改这条沟通记录。"),
    (r"only managers and admins assign or delete customers",
     "只有经理和管理员可以转交或删除客户。"),
    (r"LibreOffice \(soffice\) is not installed on this server: no PDF can be made",
     "服务器未安装 LibreOffice，无法生成 PDF。"),
    (r"no process (?:with key )?'(?P<key>[^']+)'.* is deployed", "流程 {key} 尚未部署。"),
    (r"no decision with id '(?P<key>[^']+)' is deployed", "决策 {key} 尚未部署。"),
    (r"no form with key '(?P<key>[^']+)' is deployed", "表单 {key} 尚未部署。"),
    (r"you may not see (?P<owner>\S+)'s figures", "您无权查看 {owner} 的数据。"),
    (r"reports are for .*", "报表仅供销售、经理、分析师、销售总监和管理员查看。"),
)
# werkzeug's own words for a bare status (an unknown URL, a wrong method, a huge upload)
_HTTP = {exception.description: chinese for exception, chinese in (
    (http.BadRequest, "浏览器发送的请求无法处理。"),
    (http.Unauthorized, "请先登录。"),
    (http.Forbidden, "您无权访问此页面。"),
    (http.NotFound, "没有这个页面：请检查地址是否正确。"),
    (http.MethodNotAllowed, "此地址不支持这种请求方式。"),
    (http.RequestEntityTooLarge, "提交的内容过大。"),
    (http.TooManyRequests, "请求过于频繁，请稍后再试。"),
    (http.InternalServerError, "服务器出错了，请稍后再试。"),
)}
_PATTERNS = tuple((re.compile(pattern + r"$"), chinese) for pattern, chinese in _CHINESE)


def in_page_language(message: str) -> str:
    """The refusal as the page's reader should read it: on a Chinese page the Chinese of a
    known refusal (the codes in it in the page's words), else the message as it is."""
    if language() != "zh-CN" or not message:
        return message
    if message in _HTTP:
        return _HTTP[message]
    for pattern, chinese in _PATTERNS:
        found = pattern.match(message)
        if found:
            words = {name: _WORDS.get(name, lambda value: value)(value)
                     for name, value in found.groupdict().items()}
            return chinese.format(**words)
    return message


def refused_as(key: str, message: str) -> str:
    """A page text ``key`` (无法转化：{reason}) with the refusal's reason in the page's
    language."""
    return t(key, reason=in_page_language(message))
