"""Units and scale words that may follow a Vietnamese figure, and the kind each implies."""
from __future__ import annotations

import re

from .folding import fold, marks_optional

SCALES: dict[str, tuple[str, int]] = {
    "nghìn": ("nghìn", 3), "ngàn": ("nghìn", 3), "triệu": ("triệu", 6), "tỷ": ("tỷ", 9), "tỉ": ("tỷ", 9),
}
_SCALE_BY_FOLD = {fold(word): canonical for word, (canonical, _) in SCALES.items()}


def scale_of(word: str) -> str:
    """Canonical scale word ("tỷ") of a scale word typed with or without diacritics ("ty", "tỉ")."""
    return _SCALE_BY_FOLD[fold(word)]


# canonical unit → (kind, spellings). Longest spelling wins when several match.
_UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "%": ("percent", ("%",)),
    "đồng": ("money", ("đồng", "VNĐ", "VND")),
    "USD": ("money", ("USD", "đô la Mỹ")),
    "ha": ("area", ("ha", "héc-ta", "hecta")),
    "m2": ("area", ("m2", "m²")),
    "km2": ("area", ("km2", "km²")),
    "tấn": ("mass", ("tấn",)),
    "kg": ("mass", ("kg",)),
    "tạ": ("mass", ("tạ",)),
    "m3": ("volume", ("m3", "m³")),
    "lít": ("volume", ("lít",)),
    "kWh": ("energy", ("kWh", "Kw/h", "kW/h", "KWh")),
    "MW": ("power", ("MW",)),
    "km": ("length", ("km",)),
    "m": ("length", ("m",)),
    "xe/ngày": ("rate", ("xe/ngày",)),
    "lượt/ngày": ("rate", ("lượt/ngày",)),
    "trường hợp/trẻ đẻ sống": ("rate", ("trường hợp/trẻ đẻ sống",)),
    "giờ": ("duration", ("giờ",)),
    "ngày": ("duration", ("ngày",)),
    "tháng": ("duration", ("tháng",)),
    "năm": ("duration", ("năm",)),
    "tuổi": ("duration", ("tuổi",)),
}
COUNT_NOUNS = (
    "con", "lượt khách", "lượt", "người", "hộ", "hồ sơ", "nhân khẩu", "trẻ", "vụ", "cuộc", "dự án",
    "doanh nghiệp", "nhiệm vụ", "văn bản", "xã", "phường", "học sinh", "học viên", "cơ sở", "trường hợp",
    "sản phẩm", "đơn thư", "đơn", "tổ chức", "cá nhân", "tập thể", "chuyên đề", "kênh", "quyết định",
    "kế hoạch", "ban", "công trình", "đề tài", "giấy", "giấy phép", "mỏ", "thôn", "khu dân cư", "vườn",
    "cụm công nghiệp", "đối tượng", "lao động", "phương tiện", "chuyến", "đoàn", "hội nghị", "lớp",
    "cán bộ", "công chức", "viên chức", "đại biểu", "tin", "bài", "cây", "cuốn", "bộ", "điểm", "trường",
    "chương trình", "thủ tục", "dịch vụ", "xe", "hợp tác xã", "cơ quan", "đơn vị", "tờ khai", "sáng kiến",
    "công văn", "báo cáo", "thông báo", "chỉ thị", "tài khoản", "lần", "giường", "bác sĩ", "viên",
)
for _noun in COUNT_NOUNS:
    _UNITS.setdefault(_noun, ("count", (_noun,)))

# lower-cased spelling with single spaces → (canonical, kind)
SPELLINGS: dict[str, tuple[str, str]] = {
    " ".join(spelling.lower().split()): (canonical, kind)
    for canonical, (kind, spellings) in _UNITS.items() for spelling in spellings
}
# Longest spelling first; words may be split by any whitespace (line breaks included); a
# unit ends where a word ends ("5 ha" is hectares, "5 hạng" is not); a unit typed without its
# diacritics ("trieu dong") is the unit (marks_optional says where).
UNIT_PATTERN = re.compile(marks_optional(
    r"\s*(" + "|".join(r"\s+".join(map(re.escape, sp.split())) for sp in sorted(SPELLINGS, key=len, reverse=True))
    + r")(?![^\W_])"), re.I)
# Folded spelling → the spellings that fold to it ("vnd": "VNĐ" and "VND"), to name a bare match.
_BY_FOLD: dict[str, list[str]] = {}
for _spelling in SPELLINGS:
    _BY_FOLD.setdefault(fold(_spelling), []).append(_spelling)


def unit_of(matched: str) -> tuple[str, str]:
    """(canonical unit, kind) of text matched by UNIT_PATTERN, typed with or without diacritics."""
    key = " ".join(matched.lower().split())
    if key in SPELLINGS:
        return SPELLINGS[key]
    return SPELLINGS[next(sp for sp in _BY_FOLD[fold(key)] if re.fullmatch(marks_optional(re.escape(sp)), key))]
