"""The public pages' own words, in English and Chinese (form labels come from the forms)."""

from __future__ import annotations

TEXTS = {
    "en": {
        "submit": "Send",
        "required": "required",
        "choose": "Choose…",
        "errors": "Please correct the marked fields.",
        "honeypot": "Leave this field empty",
        "thanks_title": "Thank you",
        "thanks": "Thank you! We have received your details and will be in touch soon.",
        "too_many_title": "Too many submissions",
        "too_many": "Too many submissions from your network. Please try again in {minutes} "
                    "minute(s).",
        "too_large_title": "Too much data",
        "too_large": "The submission is too large. Please shorten your message.",
        "not_found_title": "Form not found",
        "not_found": "This form does not exist or is no longer available.",
        "switch": "中文",
        "survey_title": "How satisfied are you?",
        "survey_intro": "Your opinion of {deal}, for {customer}. It takes a minute.",
        "survey_score": "Your score (5: very satisfied, 1: not at all)",
        "survey_comment": "Anything you would like to tell us",
        "survey_thanks_title": "Thank you",
        "survey_thanks": "Thank you for your answer: it helps us serve you better.",
        "survey_answered_title": "Already answered",
        "survey_answered": "This survey was answered already. Thank you!",
        "survey_expired_title": "Link expired",
        "survey_expired": "This survey link has expired.",
        "survey_invalid_title": "Link not valid",
        "survey_invalid": "This survey link is not valid.",
    },
    "zh-CN": {
        "submit": "提交",
        "required": "必填",
        "choose": "请选择…",
        "errors": "请修改标出的字段。",
        "honeypot": "请勿填写此项",
        "thanks_title": "感谢您的提交",
        "thanks": "感谢您！我们已收到您的信息，会尽快与您联系。",
        "too_many_title": "提交过于频繁",
        "too_many": "您所在网络的提交次数过多，请在 {minutes} 分钟后重试。",
        "too_large_title": "内容过多",
        "too_large": "提交的内容过大，请精简后重试。",
        "not_found_title": "表单不存在",
        "not_found": "该表单不存在或已停止使用。",
        "switch": "English",
        "survey_title": "您对我们的服务满意吗？",
        "survey_intro": "请评价“{deal}”（{customer}），只需一分钟。",
        "survey_score": "您的评分（5：非常满意，1：非常不满意）",
        "survey_comment": "您想告诉我们的话",
        "survey_thanks_title": "感谢您的反馈",
        "survey_thanks": "感谢您的回答，这将帮助我们更好地为您服务。",
        "survey_answered_title": "已经提交过",
        "survey_answered": "该调查已提交过，感谢您！",
        "survey_expired_title": "链接已过期",
        "survey_expired": "该调查链接已过期。",
        "survey_invalid_title": "链接无效",
        "survey_invalid": "该调查链接无效。",
    },
}

# marshmallow's and the services' field messages, for Chinese pages (others show as they
# are); the first entry a message starts with wins, so the specific ones come first
_ZH_ERRORS = (
    ("required when lost", "输单时必须填写原因。"),
    ("required when there is no accepted quote", "没有已接受的报价时必填。"),
    ("required", "此项为必填。"),
    ("before start_date", "结束日期不能早于开始日期。"),
    ("before valid_from", "结束日期不能早于开始日期。"),
    ("not a contact of this customer", "不是该客户的联系人。"),
    ("must be > 0", "必须大于 0。"),
    ("set by the quote", "由报价决定，无需填写。"),
    ("send a subject or a body", "请填写主题或内容。"),
    ("not an active sales rep", "不是在职的销售人员。"),
    ("not a rep", "不是在职的销售人员。"),
    ("no such active user", "没有该在职用户。"),
    ("no active user of that name", "没有该在职用户。"),
    ("unknown kind", "未知类型。"),
    ("Missing data for required field", "此项为必填。"),
    ("Field may not be null", "此项为必填。"),
    ("give a phone or an email", "请至少填写电话或邮箱。"),
    ("not a phone number", "请填写有效的电话号码：11 位手机号（如 138 0013 8000，可带 +86），"
                           "或以 + 开头的国际号码。"),
    ("not an email address", "请填写有效的邮箱地址。"),
    ("Not a valid email address", "请填写有效的邮箱地址。"),
    ("Not a valid integer", "请填写整数。"),
    ("Not a valid number", "请填写数字。"),
    ("Not a valid date", "请填写有效的日期。"),
    ("Not a valid boolean", "请选择是或否。"),
    ("Must be one of", "请从列表中选择。"),
    ("One or more of the choices", "请从列表中选择。"),
    ("Choose at least one", "请至少选择一项。"),
    ("Longer than maximum length", "内容过长。"),
    ("Shorter than minimum length", "内容过短。"),
    ("Must be greater than or equal to", "数值过小。"),
    ("Must be less than or equal to", "数值过大。"),
    ("Unknown field", "未知字段。"),
)


def translate_error(message: str, lang: str) -> str:
    if lang != "zh-CN":
        return message
    for start, chinese in _ZH_ERRORS:
        if message.startswith(start):
            return chinese
    return message
