"""A lead from registration to won, as a dialog in the console: what the rep types, what the bot says."""

from __future__ import annotations

import io

from bot.handlers.console import Console

ITEMS = ("contract", "payment_account", "schedule", "it_review", "commission")

REP_DIALOG = [
    ("register 北京字节跳动科技有限公司 phone=13800138000 industry=互联网", "已报备：北京字节跳动科技有限公司"),
    ("followup 字节跳动 channel=电话 outcome=初次沟通 next=明天", "下次联系：2026-11-24"),
    ("advance 字节跳动 discovery", "已从「线索」推进到「需求挖掘」"),
    ("advance 字节跳动 demo", "痛点（至少 3 个） — pain_points="),
    ('advance 字节跳动 demo budget=50万 decision_maker=王总 pain_points="a;b;c" timeline=Q1 kpis="x;y"',
     "已从「需求挖掘」推进到「演示」"),
    ("advance 字节跳动 negotiation demo_attendees=王总 demo_notes=https://d.example.com/1 quote_amount=48万 "
     "meeting_notes=https://d.example.com/2", "已从「演示」推进到「商务谈判」"),
    ("close 字节跳动 won amount=48万", "成交前检查清单没有完成"),
    *[(f"checklist 字节跳动 {item} evidence=https://d.example.com/{item}", "检查清单") for item in ITEMS],
]
MANAGER_DIALOG = [("checklist 字节跳动 approve", "已批准 北京字节跳动科技有限公司 的检查清单")]
CLOSING_DIALOG = [
    ("成交 字节跳动 amount=48万", "赢单，金额 480000"),
    ('战报 字节跳动 background=大客户 turning_points="CTO 拍板" our_moves=PoC competitor_moves=降价 tactic=先演示',
     "已保存 北京字节跳动科技有限公司 的战报"),
    ("history 字节跳动", "close：done（close.won_checklist_approved） 商务谈判 → 赢单"),
]


def talk(container, user: str, dialog: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    console = Console(container, user, out=out)
    for said, expected in dialog:
        start = len(out.getvalue())
        console.run_line(said)
        answer = out.getvalue()[start:]
        assert expected in answer, f"{said!r} → {answer!r}"
    return out.getvalue()


class TestConsoleDialog:
    def test_a_rep_takes_a_lead_from_registration_to_won(self, container):
        transcript = talk(container, "U1", REP_DIALOG)
        assert "[通知 → UMGR]" in transcript  # the complete checklist went to the manager
        talk(container, "UMGR", MANAGER_DIALOG)
        transcript = talk(container, "U1", CLOSING_DIALOG)
        assert "[通知 → CSYNC] 🎉 张三 赢单" in transcript
