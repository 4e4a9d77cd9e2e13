"""A budget line's flow — revenue or expenditure — read from the first word of its name.

Every budget report names its lines by what flows: "Tổng thu ngân sách nhà nước trên địa bàn",
"Thu nội địa", "Tổng chi ngân sách địa phương", "chi thường xuyên". The word is matched as printed
(NFC, any case), so "Chỉ tiêu …" (a target), "Thuế …" (a tax) or "chính …" are no flow; a name that
opens otherwise ("đóng góp", "Giải ngân …") is left to the model. Only a record whose schema has a
`flow` field gets one.
"""
from __future__ import annotations

FIELD = "flow"
_FLOWS = {"thu": "revenue", "chi": "expenditure"}
_LEADS = ("tổng", "ước")  # "Tổng thu …", "Ước thu …": the flow is the word after


def flow_of(name: str | None) -> str | None:
    """"revenue" / "expenditure" when the name opens with "thu" / "chi" (after "Tổng" / "Ước")."""
    words = (name or "").lower().split()
    while words and words[0] in _LEADS:
        words = words[1:]
    return _FLOWS.get(words[0]) if words else None
