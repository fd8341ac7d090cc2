"""Words of the new-contract page."""

TEXTS = {
    "en": {
        "contracts.new_title": "New contract",
        "contracts.quote": "Accepted quote",
        "contracts.amount": "Amount",
        "contracts.special_discount": "Special discount",
        "contracts.yes": "yes",
        "contracts.no": "no",
        "contracts.from_quote": "The amount and the special discount come from the accepted "
                                "quote; the approvers from the contract_approvers table.",
        "contracts.no_quote": "This deal has no accepted quote: enter the contract's amount.",
        "contracts.start_date": "Starts on",
        "contracts.end_date": "Ends on",
        "contracts.terms": "Terms",
        "contracts.submit": "Submit for approval",
        "contracts.submitted": "Contract {number} was submitted for approval.",
    },
    "zh-CN": {
        "contracts.new_title": "新建合同",
        "contracts.quote": "已接受的报价",
        "contracts.amount": "金额",
        "contracts.special_discount": "特殊折扣",
        "contracts.yes": "是",
        "contracts.no": "否",
        "contracts.from_quote": "金额与特殊折扣取自已接受的报价；"
                                "审批人由 contract_approvers 决策表决定。",
        "contracts.no_quote": "该商机没有已接受的报价：请填写合同金额。",
        "contracts.start_date": "开始日期",
        "contracts.end_date": "结束日期",
        "contracts.terms": "合同条款",
        "contracts.submit": "提交审批",
        "contracts.submitted": "合同 {number} 已提交审批。",
    },
}
