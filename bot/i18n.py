"""Message catalogs, one per locale. Every user-facing word lives here, not in rules or services."""

from __future__ import annotations

from typing import Any

ZH: dict[str, str] = {
    # registration
    "registered.title": "✅ 已报备",
    "registered": "已报备：{name}（客户 #{client_id}），归属 {owner}，保护期至 {until}。",
    "registered.notice": "📣 {owner} 报备了新客户 {name}{details}，保护期至 {until}。",
    "conflict.title": "⛔ 撞单：不能报备",
    "conflict": "{name} 已由 {owner} 报备（阶段：{stage}，保护期至 {until}）。依据：{reason}。如有异议，请联系经理仲裁。",
    "conflict.unowned": "{name} 已在系统中（依据：{reason}），目前没有负责人。请联系经理处理。",
    "possible.title": "🤔 可能重复",
    "possible": "「{query}」和下面的客户很像，可能是同一家。如果确认不是，请写上理由再报备一次：/crm register {query} justification=\"不是同一家：…\"（理由会发给你的经理）",
    "justified.notice": "📝 {owner} 报备了 {name}，系统提示它可能与 {other}（归属 {other_owner}）重复。理由：{justification}",
    "already_yours": "{name} 已经是你报备的客户（阶段：{stage}，保护期至 {until}），无需重复报备。",
    # check
    "check.none": "没有找到与「{query}」匹配的客户，可以报备：/crm register {query}",
    "check.found": "「{query}」找到 {count} 个匹配：",
    "check.match": "{name} — 归属 {owner}，阶段 {stage}，保护期至 {until}（{reason}）",
    "check.match.unowned": "{name} — 暂无负责人（{reason}）",
    "check.more": "……另有 {more} 个匹配未列出：请输入更完整的名称（如带上城市或行业）缩小范围",
    # reasons
    "reason.credit_code": "统一社会信用代码相同 {value}",
    "reason.phone": "电话相同 {value}",
    "reason.domain": "企业邮箱域名相同 {value}",
    "reason.name": "公司名相同 {value}",
    "reason.core": "核心字号相同「{value}」",
    "reason.typo": "与「{value}」只差一个字",
    "reason.known": "常见公司名单：「{value}」与所查名称是同一家公司",
    "reason.pinyin": "与「{value}」拼音相同",
    "reason.prefix": "与「{value}」开头相同，可能是简称",
    # stages
    "stage.lead": "线索", "stage.discovery": "需求挖掘", "stage.demo": "演示", "stage.proposal": "方案报价",
    "stage.negotiation": "商务谈判", "stage.won": "赢单", "stage.lost": "丢单", "stage.hold": "搁置",
    # problems with input
    "error.title": "⚠️ 输入有误",
    "problem.name_missing": "缺少公司名称。",
    "problem.name_too_long": "公司名称太长（最多 {detail} 个字符）：{value}",
    "problem.name_bad_chars": "公司名称里有不允许的字符：{detail}。公司名只能包含文字、数字、空格和常见标点（括号、点、连字符、&）。",
    "problem.name_empty": "「{value}」里没有可识别的公司名（只有标点或符号）。",
    "problem.name_generic": "「{value}」只有行业词或地名，不能识别具体公司，请写出公司字号，例如 北京字节跳动科技有限公司。",
    "problem.credit_code_invalid": "统一社会信用代码「{value}」无效（{detail_text}）。它由 18 位数字和大写字母组成，最后一位是校验位，例如 91110108MA01KGJ36H 的格式。",
    "problem.credit_code.length": "长度应为 18 位",
    "problem.credit_code.checksum": "校验位不对，请核对是否抄错",
    "problem.phone_invalid": "电话号码「{value}」无法识别。请写手机号 13800138000、座机 010-62345678 或带国家码 +86 138 0013 8000。",
    "problem.email_invalid": "邮箱「{value}」格式不对，例如 zhang@bytedance.com。",
    "problem.email_free_mail": "「{value}」是个人邮箱（免费邮箱域名不能识别公司），请用公司名、电话或企业邮箱查重。",
    "problem.query_missing": "请写要查的公司名、电话、企业邮箱或信用代码。",
    "usage.too_long": "输入太长（最多 {detail} 个字符）。",
    "usage.unknown_command": "没有「{detail}」这个命令。可用命令：register（报备）、check（查重）、followup（跟进）、advance（推进）、checklist（检查清单）、close（成交/丢单/搁置）、report（战报）、mine（我的）、history（记录）、help（帮助）。",
    "usage.planned": "「{detail}」命令还在开发中，目前可用：register（报备）、check（查重）、followup（跟进）、advance（推进）、checklist（检查清单）、close（成交/丢单/搁置）、report（战报）、mine（我的）、history（记录）、help（帮助）。",
    "usage.bad_pair": "看不懂这一段：「{detail}」。参数要写成 key=value，值里有空格时用引号：region=\"北京 朝阳\"。",
    "usage.unclosed_quote": "参数 {detail} 的引号没有闭合。",
    "usage.missing_value": "参数 {detail}= 后面缺少值。",
    "usage.unknown_key": "报备不认识参数「{detail}」。可用：phone、email、credit_code、industry、region、contact、alias、grade、justification。",
    "usage.duplicate_key": "参数「{detail}」写了两次。",
    "usage.bad_grade": "等级只能是 A、B 或 C，不是「{detail}」。",
    "usage.missing_name": "缺少公司名称：公司名写在参数前面。",
    "usage.missing_query": "缺少要查的内容。",
    "usage.no_options": "查重不需要参数（{detail}=…），只写公司名、电话、邮箱或信用代码。",
    "usage.form_unavailable": "这里不能打开表单，请直接写参数。",
    "usage.example": "正确写法：{usage}",
    # help
    "help.title": "销售助手 /crm 用法",
    "help.intro": "我帮团队报备和查重客户，避免撞单。命令（英文或中文都可以）：",
    "help.register": "/crm register <公司名> [phone=电话] [email=邮箱] [credit_code=信用代码] [industry=行业] [region=地区] [contact=联系人] [alias=别名]",
    "help.register.alias": "报备",
    "help.register.about": "先查重，没有冲突就把客户报备给你，保护期 {days} 天，并在同步群通知。不带参数时打开表单。",
    "help.register.example": "例：/crm register 北京字节跳动科技有限公司 phone=13800138000 industry=互联网 region=北京",
    "help.check": "/crm check <公司名 | 电话 | 企业邮箱 | 信用代码>",
    "help.check.alias": "查重",
    "help.check.about": "查这个客户是否已被报备、归属谁、保护期到哪天（不显示别人的私有备注）。",
    "help.check.example": "例：/crm check 字节跳动",
    "help.help": "/crm help [命令]",
    "help.help.alias": "帮助",
    "help.help.about": "显示用法。",
    "help.help.example": "例：/crm help register",
    # forms
    "form.register.title": "报备客户",
    "form.submit": "提交",
    "form.cancel": "取消",
    "form.field.name": "公司名称",
    "form.field.phone": "电话",
    "form.field.email": "企业邮箱",
    "form.field.credit_code": "统一社会信用代码",
    "form.field.industry": "行业",
    "form.field.region": "地区",
    "form.field.contact": "联系人",
    "form.field.alias": "别名（逗号分隔）",
    "form.field.justification": "理由（系统提示可能重复时填写）",
    # generic
    "unknown": "未知",
    "error.internal": "出了点问题，没有保存任何数据。请稍后再试；如果一直出错，请联系管理员（错误编号 {ref}）。",
    "console.tour": "销售助手控制台（本地模式，数据在 {db}）。你是 {user}。试试：\n  register 北京字节跳动科技有限公司 phone=13800138000 industry=互联网\n  check 字节跳动\n  help\n输入 exit 退出。",
    "console.notice": "[通知 → {channel}] {text}",
}

EN: dict[str, str] = {
    "registered.title": "✅ Registered",
    "registered": "Registered {name} (client #{client_id}) to {owner}, protected until {until}.",
    "registered.notice": "📣 {owner} registered a new client {name}{details}, protected until {until}.",
    "conflict.title": "⛔ Already registered",
    "conflict": "{name} is registered by {owner} (stage: {stage}, protected until {until}). Matched on {reason}. If you think this is wrong, ask your manager to arbitrate.",
    "conflict.unowned": "{name} is already known (matched on {reason}) and has no owner. Ask your manager.",
    "possible.title": "🤔 Possible duplicate",
    "possible": "“{query}” looks very like the client(s) below. If it is a different company, register again with a one-line reason: /crm register {query} justification=\"not the same: …\" (your manager sees it).",
    "justified.notice": "📝 {owner} registered {name} although it may duplicate {other} (owner {other_owner}). Reason: {justification}",
    "already_yours": "{name} is already yours (stage: {stage}, protected until {until}); no need to register it again.",
    "check.none": "No client matches “{query}”. You can register it: /crm register {query}",
    "check.found": "“{query}”: {count} match(es):",
    "check.match": "{name} — owner {owner}, stage {stage}, protected until {until} ({reason})",
    "check.match.unowned": "{name} — no owner ({reason})",
    "check.more": "… and {more} more not listed: type more of the name (with its city or industry) to narrow it down",
    "reason.credit_code": "same credit code {value}",
    "reason.phone": "same phone {value}",
    "reason.domain": "same e-mail domain {value}",
    "reason.name": "same name {value}",
    "reason.core": "same core name “{value}”",
    "reason.typo": "one character from “{value}”",
    "reason.known": "list of known companies: “{value}” is the same company",
    "reason.pinyin": "same pinyin as “{value}”",
    "reason.prefix": "starts like “{value}” (a short name?)",
    "stage.lead": "lead", "stage.discovery": "discovery", "stage.demo": "demo", "stage.proposal": "proposal",
    "stage.negotiation": "negotiation", "stage.won": "won", "stage.lost": "lost", "stage.hold": "on hold",
    "error.title": "⚠️ Please check your input",
    "problem.name_missing": "The company name is missing.",
    "problem.name_too_long": "The company name is too long (at most {detail} characters): {value}",
    "problem.name_bad_chars": "The company name contains characters that are not allowed: {detail}. Use letters, digits, spaces and ordinary punctuation (brackets, dots, hyphens, &).",
    "problem.name_empty": "“{value}” has no recognisable company name (only punctuation or symbols).",
    "problem.name_generic": "“{value}” is only industry words or a place; write the company's own name, e.g. Acme Technologies Ltd.",
    "problem.credit_code_invalid": "The credit code “{value}” is not valid ({detail_text}). It has 18 digits and capital letters, the last one a check character, e.g. the form 91110108MA01KGJ36H.",
    "problem.credit_code.length": "it must be 18 characters",
    "problem.credit_code.checksum": "the check character does not match; please re-check it",
    "problem.phone_invalid": "The phone number “{value}” cannot be read. Write it like +86 138 0013 8000, +49 30 1234567 or 13800138000.",
    "problem.email_invalid": "The e-mail “{value}” is not an address, e.g. jane@acme.com.",
    "problem.email_free_mail": "“{value}” is a free-mail address, which cannot identify a company; check by name, phone or corporate e-mail.",
    "problem.query_missing": "Write the company name, phone, corporate e-mail or credit code to check.",
    "usage.too_long": "The input is too long (at most {detail} characters).",
    "usage.unknown_command": "There is no command “{detail}”. Available: register, check, followup, advance, checklist, close, report, mine, history, help.",
    "usage.planned": "The command “{detail}” is not available yet. Available: register, check, followup, advance, checklist, close, report, mine, history, help.",
    "usage.bad_pair": "I could not read “{detail}”. Options are key=value; quote values with spaces: region=\"New York\".",
    "usage.unclosed_quote": "The quote after {detail}= is not closed.",
    "usage.missing_value": "The option {detail}= has no value.",
    "usage.unknown_key": "register has no option “{detail}”. Options: phone, email, credit_code, industry, region, contact, alias, grade, justification.",
    "usage.duplicate_key": "The option “{detail}” is given twice.",
    "usage.bad_grade": "The grade is A, B or C, not “{detail}”.",
    "usage.missing_name": "The company name is missing: write it before the options.",
    "usage.missing_query": "Write what to check.",
    "usage.no_options": "check takes no options ({detail}=…); write a name, phone, e-mail or credit code.",
    "usage.form_unavailable": "A form cannot be opened here; write the options instead.",
    "usage.example": "Usage: {usage}",
    "help.title": "Sales bot /crm usage",
    "help.intro": "I register and check clients so two reps never work the same one. Commands:",
    "help.register": "/crm register <company> [phone=…] [email=…] [credit_code=…] [industry=…] [region=…] [contact=…] [alias=…]",
    "help.register.alias": "报备",
    "help.register.about": "Checks first; with no conflict the client is yours, protected for {days} days, and the sync channel is told. Without arguments it opens a form.",
    "help.register.example": "e.g. /crm register Acme Technologies Ltd. phone=+49 30 1234567 industry=Software region=Berlin",
    "help.check": "/crm check <name | phone | corporate e-mail | credit code>",
    "help.check.alias": "查重",
    "help.check.about": "Is this client known, by whom, and until when is it protected (never anyone's private notes).",
    "help.check.example": "e.g. /crm check Acme",
    "help.help": "/crm help [command]",
    "help.help.alias": "帮助",
    "help.help.about": "Shows usage.",
    "help.help.example": "e.g. /crm help register",
    "form.register.title": "Register a client",
    "form.submit": "Register",
    "form.cancel": "Cancel",
    "form.field.name": "Company name",
    "form.field.phone": "Phone",
    "form.field.email": "Corporate e-mail",
    "form.field.credit_code": "Unified social credit code",
    "form.field.industry": "Industry",
    "form.field.region": "Region",
    "form.field.contact": "Contact person",
    "form.field.alias": "Aliases (comma-separated)",
    "form.field.justification": "Reason (when the bot says it may be a duplicate)",
    "unknown": "unknown",
    "error.internal": "Something went wrong and nothing was saved. Please try again; if it keeps failing, tell your admin (reference {ref}).",
    "console.tour": "Sales bot console (local mode, data in {db}). You are {user}. Try:\n  register Acme Technologies Ltd. phone=+49 30 1234567\n  check Acme\n  help\nType exit to leave.",
    "console.notice": "[notice → {channel}] {text}",
}

from bot.i18n_pipeline import EN as _EN_PIPELINE  # noqa: E402
from bot.i18n_pipeline import ZH as _ZH_PIPELINE  # noqa: E402
from bot.i18n_sla import EN as _EN_SLA  # noqa: E402
from bot.i18n_sla import ZH as _ZH_SLA  # noqa: E402

ZH.update(_ZH_PIPELINE)
EN.update(_EN_PIPELINE)
ZH.update(_ZH_SLA)
EN.update(_EN_SLA)
CATALOGS: dict[str, dict[str, str]] = {"zh-CN": ZH, "en": EN}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(locale: str, key: str, **params: Any) -> str:
    """The catalog text for ``key`` in ``locale`` (falling back to zh-CN), with params filled in."""
    catalog = CATALOGS.get(locale, ZH)
    template = catalog.get(key) or ZH.get(key) or key
    return template.format_map(_Safe({k: "" if v is None else v for k, v in params.items()}))
