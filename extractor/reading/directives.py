"""A deterministic reader of directives: who a directive tells to act, and by when.

A directive piece (a section of a "nhiệm vụ trọng tâm" part, an item of a conclusion notice) is
read on its folded skeleton (`fold`: one character per character, so offsets found there are
the document's; lost diacritics still match) as a stream of words and marks.

Bodies. A *body-like phrase* starts at a head word of a Vietnamese public body or official,
printed with a capital (Sở, Ban, Ủy ban nhân dân / UBND, HĐND, Công an, Bộ Chỉ huy, Văn phòng,
Thanh tra, Kho bạc, Cục, Ngân hàng, Đài, Báo, Hội, Đoàn, Mặt trận Tổ quốc, Chính phủ, Tỉnh ủy,
Chủ tịch, Thủ trưởng, Giám đốc …), or at a collective owner ("các sở, ban, ngành", "các cơ
quan, đơn vị", "các cấp, các ngành", "các chủ đầu tư"). Its name runs on to where it ends: a
mark, a number, a verb or a preposition ("chủ trì", "phối hợp", "khẩn trương", "của", "theo"
…), "và" before another body or a lower-case word; an official's name takes the body after it
("Chủ tịch UBND các xã, phường"). Bodies separated only by "," or "và" form a group, which
takes its role from where it stands:
- *actor* (told to act): after "giao", "yêu cầu", "đề nghị", "chỉ đạo"; or opening its
  sentence, unless "yêu cầu" / "giao" … follows (then it is the *issuer*: "UBND tỉnh yêu cầu
  …"); or followed by a verb after a comma ("Ngay sau kỳ nghỉ Tết, các cơ quan, đơn vị khẩn
  trương …") or after a phrase of time or grounds with no comma and no verb ("Trên cơ sở mục
  tiêu, nhiệm vụ năm 2026 các cấp, các ngành chủ động …");
- *mention*: after a preposition or a passive ("của", "với", "theo", "tại", "trình", "được",
  "do" …) or a verb of urging or helping ("đôn đốc", "hướng dẫn", "hỗ trợ": the directive's own
  actor does that to them), the object of another verb with no verb after it ("Tổ chức Đoàn đại
  biểu của tỉnh …"), or an item after a comma in a sentence that opens with a verb and tells no
  one to act ("Tổ chức thăm hỏi người có công, …, các đơn vị lực lượng vũ trang");
- otherwise *unknown*.
The schema's `responsible` is "the bodies or officials this directive tells to act": the
actors. A body a lead works with ("chủ trì, phối hợp với các sở …") is not told to act by the
directive; it stands after "với" and is a mention, so coordinators are not listed.

OCR: a folded word is matched as Vietnamese spells it where OCR put in what its spelling rules
out (a digit among letters, a "d" or "b" after a word's first letter: "x4" xã, "Thu trudng").

Deadlines: "trước / chậm nhất / không quá / đến hết (ngày) dd/mm/yyyy" (or "-", or "ngày d
tháng m năm y"), "trong tháng N", "trong quý I", "hoàn thành / xong trong năm yyyy", each
optionally after "hoàn thành" / "xong". A date of a cited document ("Nghị quyết số … ngày
04/5/2025") has no such lead and is no deadline.

The reader is *sure* of a piece (`Directive.sure`) when every body-like phrase of it has a
role other than unknown and at most one deadline phrase is printed; only then does it return a
record. Nothing here knows a province: the heads and verbs are the administrative grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document.report import Document
from ..document.text import fold
from ..output.result import Evidence, Record

Span = tuple[int, int]

# Head words of bodies and officials, folded; longest first where one begins another.
_OFFICIALS = ("pho chu tich", "chu tich", "thu truong", "giam doc", "pho giam doc", "lanh dao", "bi thu")
_HEADS = ("uy ban nhan dan", "uy ban", "hoi dong nhan dan", "mat tran to quoc", "bo chi huy", "ban chi dao", "ban quan ly",
          "ban chap hanh", "ban bi thu", "bo chinh tri", "van phong", "thanh tra", "kho bac", "chi cuc", "ngan hang",
          "cong an", "lien doan", "chinh phu", "thu tuong", "quoc hoi", "tinh uy", "thuong truc", "ubnd", "hdnd",
          "so", "ban", "bo", "cuc", "dai", "bao", "hoi", "doan")
# A capitalised head word followed by these is an ordinary word ("Ban hành", "Báo cáo", "Hội nghị").
_NOT_BODIES = ("ban hanh", "bao cao", "bao dam", "bao ve", "hoi nghi", "hoi thao", "hoi cho", "hoi thi", "hoi dien",
               "hoi nhap", "so huu", "bo sung", "bo tri", "doan ket", "dai hoi", "dai dien", "cuc bo")
_COLLECTIVE = ("co quan", "co so", "don vi", "dia phuong", "chu dau tu", "nha dau tu", "nha thau", "so", "ban", "nganh", "cap")
_PLACES = ("thanh pho", "thi xa", "thi tran", "dac khu", "xa", "phuong", "huyen")
# What tells a body to act, when it stands before the body.
_DIRECTING = ("giao cho", "giao", "yeu cau", "de nghi", "chi dao")
# Prepositions and passives: a body after them is named, not told to act.
_MENTIONING = ("cua", "voi", "theo", "tai", "trinh", "duoc", "do", "thuoc", "cho", "den", "gui", "tu", "ve", "boi",
               "giua", "doi voi", "nhu")
# Verbs whose object the directive's own actor is to urge or help: that body is not told by it.
_URGING = ("don doc", "huong dan", "ho tro", "tao dieu kien cho", "giup")
# Verbs (and adverbs that open a verb phrase) an acting body is followed by; they also end a name.
_VERBS = ("chu tri", "phoi hop", "tham muu", "khan truong", "chu dong", "to chuc", "trien khai", "thuc hien",
          "xay dung", "co trach nhiem", "theo doi", "nghiem tuc", "tap trung", "tiep tuc", "ra soat", "huong dan",
          "don doc", "kiem tra", "bao cao", "nghien cuu", "de xuat", "hoan thanh", "day manh", "tang cuong",
          "quan tam", "can cu", "giai quyet", "phan cong", "lam viec", "ban hanh", "phe duyet", "tham dinh",
          "quyet dinh", "chiu trach nhiem", "kip thoi", "khong", "can", "phai", "da", "se", "thi", "sau",
          "tren", "trong", "de", "nham", "ngay", "khi", "truoc", "lien tuc", "thuong xuyen", "cung", "dong thoi",
          "bao dam", "dam bao", "chuan bi", "tuyen truyen", "day nhanh", "thuc day", "xu ly", "giam sat")
# Words _VERBS holds to end a name that link a clause rather than state what a body does.
_LINKS = ("sau", "trong", "de", "nham", "khi", "truoc", "thi", "tren", "ngay")
# Openers of a phrase of time or grounds a sentence may start with before its subject.
_CIRCUMSTANCE = ("tren co so", "can cu", "ngay sau", "sau", "trong", "truoc", "tu", "theo", "doi voi", "qua",
                 "ben canh")
_NAME_ALSO = ("lien quan",)  # trailing words that stay in a name ("các sở, ban, ngành liên quan")
# Lower-case words a name goes on with; any other lower-case word must follow a capitalised one
# (the second syllable of "Sở Tài chính", "Bộ Chỉ huy"), else the name has ended.
_NAME_WORDS = ("lien quan", "nhan dan", "trung uong", "cac", "tinh", "huyen", "thanh pho", "thi xa", "xa",
               "phuong", "thi tran", "dac khu", "cap")
_DEPARTMENTS = ("so", "bo", "cuc", "chi cuc")  # named by their fields: "Sở Nông nghiệp và Môi trường"
_MAX_NAME_WORDS = 14

_DATE = r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}|ngay\s+\d{1,2}\s+thang\s+\d{1,2}(?:\s+nam\s+\d{4})?)"
_PERIOD = r"(?:thang\s+\d{1,2}|quy\s+(?:iv|i{1,3}|[1-4])\b)(?:\s*[/-]\s*\d{4}|\s+nam\s+\d{4})?"
_DONE = r"(?:(?:hoan\s+thanh|xong)\s+)?"
_DEADLINE = re.compile(
    rf"\b{_DONE}(?:truoc|cham\s+nhat(?:\s+la)?|khong\s+qua|den\s+het|han\s+chot)\s+(?:ngay\s+)?"
    rf"(?:{_DATE}|{_PERIOD}|nam\s+\d{{4}})"
    rf"|\b{_DONE}trong\s+{_PERIOD}"
    rf"|\b(?:hoan\s+thanh|xong)\s+trong\s+nam\s+\d{{4}}")

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass
class Body:
    start: int  # document offsets of the name
    end: int
    role: str = "unknown"  # actor, issuer, mention or unknown


@dataclass
class Directive:
    span: Span
    bodies: list[Body] = field(default_factory=list)
    deadlines: list[Span] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        """Every body-like phrase has a role and at most one deadline is printed."""
        return all(b.role != "unknown" for b in self.bodies) and len(self.deadlines) <= 1

    @property
    def responsible(self) -> list[Body]:
        return [b for b in self.bodies if b.role == "actor"]


_OCR_DIGITS = str.maketrans("4601", "aooi")


def _spelled(word: str, printed: str) -> str:
    """A folded word as Vietnamese spells it where OCR put in a letter or digit its spelling rules
    out: a digit among letters ("x4" xã, "s6" số, "1ap" lập, "ho1" hội) or a "d" / "b" after a
    word's first letter ("trudng" trưởng, "sd" sở, "dbi" đối: Vietnamese writes them only first).
    An acronym (two capitals or more: "UBND", "QH15") is kept as printed."""
    if sum(c.isupper() for c in printed) > 1 or not word.isalnum() or word.isdigit() or word.isalpha() and \
            "d" not in word[1:] and "b" not in word[1:]:
        return word
    if word[0] == "1":
        word = "l" + word[1:]
    return word[0] + word[1:].translate(_OCR_DIGITS).replace("d", "o").replace("b", "o")


@dataclass(frozen=True)
class _Tok:
    word: str  # folded
    start: int  # offset in the piece
    end: int
    capital: bool


class _Words:
    """The folded words and marks of a piece, with matching of word sequences."""

    def __init__(self, text: str) -> None:
        self.text = text
        folded = fold(text)
        self.toks = [_Tok(_spelled(m.group(), text[m.start():m.end()]), m.start(), m.end(), text[m.start()].isupper())
                     for m in _TOKEN.finditer(folded)]
        self.unended: set[int] = set()  # tokens where a head word opens a name that does not end

    def match(self, i: int, phrases: tuple[str, ...]) -> int:
        """The number of tokens of the first phrase that starts at token i (0: none)."""
        for phrase in phrases:
            words = phrase.split()
            if [t.word for t in self.toks[i:i + len(words)]] == words:
                return len(words)
        return 0

    def word(self, i: int) -> str:
        return self.toks[i].word if 0 <= i < len(self.toks) else ""

    def glued_before(self, i: int) -> bool:
        """Token i follows a "-" or "/" glued to the word before it: part of a document number
        ("02/CT-UBND", "02/CT- UBND")."""
        return i > 1 and self.toks[i - 1].word in ("-", "/") and self.toks[i - 2].end == self.toks[i - 1].start


def read_directive(text: str) -> Directive:
    """The bodies (with their roles) and the deadline phrases of one directive piece, at offsets
    in `text`."""
    words = _Words(text)
    found = Directive((0, len(text)))
    i = 0
    earlier: str | None = None
    while i < len(words.toks):
        if words.word(i) in (".", ";", "!", "?"):
            earlier = None
        group, j = _group(words, i)
        if words.unended:  # a head word whose name runs on: a body-like phrase the grammar cannot place
            found.bodies += [Body(words.toks[k].start, words.toks[k].end) for k in sorted(words.unended)]
            words.unended.clear()
        if not group:
            i += 1
            continue
        role = earlier = _role(words, i, j, earlier)
        for s, e in group:
            found.bodies.append(Body(words.toks[s].start, words.toks[e - 1].end, role))
        i = j
    found.deadlines = [m.span() for m in _DEADLINE.finditer(fold(text))]
    return found


def _group(words: _Words, i: int) -> tuple[list[Span], int]:
    """Bodies from token i separated by "," / "và" (token spans), and the token after them."""
    group: list[Span] = []
    end = _body(words, i)
    while end:
        group.append((i, end))
        k = end + (words.word(end) == ",")
        k += words.word(k) == "va"
        nxt = _body(words, k) if k > end else 0
        if not nxt:
            return group, end
        i, end = k, nxt
    return group, i


def _body(words: _Words, i: int) -> int:
    """The token after the body that starts at token i (0: no body starts there)."""
    if i >= len(words.toks) or words.glued_before(i):
        return 0
    k = i + (words.word(i) == "cac")
    official = words.match(k, _OFFICIALS) if words.toks[k:k + 1] and words.toks[k].capital else 0
    if official:
        k += official
        after = _body(words, k) if words.word(k) != "va" else 0
        if not after and words.word(k) == "va" and words.match(k + 1 + (words.word(k + 1) == "cac"), _OFFICIALS):
            after = _body(words, k + 1)  # "Chủ tịch và các Phó Chủ tịch UBND tỉnh"
        return after or k
    if words.word(i) == "cac" and words.match(k, _COLLECTIVE):
        return _collective(words, k)
    head = words.match(k, _HEADS) if k < len(words.toks) and words.toks[k].capital else 0
    if not head or words.match(k, _NOT_BODIES) and not words.match(k, ("ban chap hanh", "ban bi thu")):
        return 0
    end = _name(words, k + head, department=bool(words.match(k, _DEPARTMENTS)) and head <= 2)
    if not end:
        words.unended.add(k)
    return end


def _collective(words: _Words, k: int) -> int:
    """"các sở, ban, ngành (liên quan)", "các cơ quan, đơn vị", "các cấp, các ngành"."""
    k += words.match(k, _COLLECTIVE)
    while words.word(k) == ",":
        n = k + 1 + (words.word(k + 1) == "cac")
        more = words.match(n, _COLLECTIVE)
        if not more or words.toks[n].capital:
            break
        k = n + more
    k += words.match(k, _NAME_ALSO)
    # a field may follow ("các cơ sở y tế"): up to two plain words, if a verb comes next
    for field_words in (1, 2):
        if all(words.word(x).isalpha() and not words.toks[x].capital and not words.match(x, _VERBS)
               and not words.match(x, _MENTIONING) for x in range(k, k + field_words)) and \
                words.match(k + field_words, _VERBS) and not words.match(k + field_words, _LINKS):
            return k + field_words
    return k


def _name(words: _Words, k: int, department: bool = False) -> int:
    """The token after the name whose words start at k (after its head); 0 if it does not end.
    A department's name may join its fields with "," and "và" ("Sở Văn hóa, Thể thao và Du lịch")."""
    count = 0
    while k < len(words.toks):
        w = words.word(k)
        capital_next = k + 1 < len(words.toks) and words.toks[k + 1].capital
        if w == "va":
            if not (department and capital_next) or _body(words, k + 1) or words.match(k + 1, _VERBS):
                return k
        elif w == ",":
            place = words.match(k + 1, _PLACES)
            if place and any(words.match(p, _PLACES) for p in range(max(0, k - 3), k)):
                k += 1 + place  # "UBND các xã, phường"
                continue
            if not (department and capital_next and not _body(words, k + 1)
                    and any(words.word(x) == "va" for x in range(k + 2, k + 6))):
                return k
        elif w == "-" and capital_next:
            pass  # "Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn"
        elif words.toks[k].capital and w.isalpha():
            pass  # a capitalised word goes on with the name ("Sở Tài chính": "Tài" is no "tại")
        elif not w.isalpha() or words.match(k, _MENTIONING) or words.match(k, _VERBS) or \
                words.match(k, _DIRECTING):
            return k + words.match(k, _NAME_ALSO)
        elif not words.toks[k].capital and not words.toks[k - 1].capital:
            also = words.match(k, _NAME_WORDS)
            if not also:
                return k
            k += also
            continue
        count += 1
        if count > _MAX_NAME_WORDS:
            return 0
        k += 1
    return k


def _role(words: _Words, i: int, j: int, earlier: str | None) -> str:
    """The role of the group of bodies at tokens [i, j); `earlier`: the role of the group before it
    in the same sentence, if any."""
    before = i - 1
    after_verb = bool(words.match(j, _VERBS)) and not words.match(j, _LINKS)
    opens = _sentence_start(words, i)
    if opens == i:
        return "issuer" if words.match(j, _DIRECTING) else "actor"
    if any(_ends_with(words, before, p) for p in _DIRECTING):
        return "actor"
    if any(_ends_with(words, before, p) for p in _MENTIONING + _URGING):
        return "mention"
    if words.word(before) == ",":
        if after_verb:
            return "actor"
        # "… của Ban Chỉ đạo thực hiện Nghị quyết số 59, Ban Chỉ đạo Công tác biên giới": a list named on;
        # "Tổ chức thăm hỏi người có công, …, các đơn vị lực lượng vũ trang": an item of the object of
        # the verb that opens the sentence (its subject is the unnamed government), unless that
        # sentence tells someone to act
        told = any(_directs(words, k) for k in range(opens, i))
        opens_with_verb = words.match(opens, _VERBS) and not words.match(opens, _LINKS)
        return "mention" if earlier == "mention" or opens_with_verb and not told else "unknown"
    if earlier is None and _circumstance(words, opens, i):
        # "Trên cơ sở mục tiêu, nhiệm vụ năm 2026 các cấp, các ngành chủ động …"; with no verb after
        # it ("Sau Tết các sở, ngành và địa phương …") the subject may run on
        return "actor" if after_verb else "unknown"
    return "unknown" if after_verb else "mention"


def _directs(words: _Words, k: int) -> bool:
    """Does a word telling someone to act stand at token k? A bare "giao" must have a body after it
    ("giao cho", "Giao Sở …", "giao các …"): folded, it is also "giáo" ("tôn giáo") or "giao thông"."""
    n = words.match(k, _DIRECTING)
    return bool(n) and (words.word(k) != "giao" or n > 1 or k + 1 < len(words.toks)
                        and (words.toks[k + 1].capital or words.word(k + 1) == "cac"))


def _sentence_start(words: _Words, i: int) -> int:
    """The first token of the sentence (or line) token i stands in."""
    while i > 0 and words.word(i - 1) not in (".", ";", ":", "!", "?") and \
            "\n" not in words.text[words.toks[i - 1].end:words.toks[i].start]:
        i -= 1
    return i


def _circumstance(words: _Words, opens: int, i: int) -> bool:
    """Do tokens [opens, i) form a phrase of circumstance only — an opener ("Trên cơ sở", "Trong
    năm 2026") and words with no verb, body or preposition among them — so the body after them
    is the sentence's subject, though no comma sets it off?"""
    lead = words.match(opens, _CIRCUMSTANCE)
    return bool(lead) and not any(words.match(k, _VERBS) or words.match(k, _DIRECTING) or words.match(k, _MENTIONING)
                                  for k in range(opens + lead, i))


def _ends_with(words: _Words, k: int, phrase: str) -> bool:
    parts = phrase.split()
    return [words.word(x) for x in range(k - len(parts) + 1, k + 1)] == parts


def directive_record(doc: Document, found: Directive, section_id: str, kind: str, rid: str, source: str) -> Record:
    """The reader's `directive` record: the schema's fields (`responsible`, `deadline`, copied
    from the text as the model is shown it: lines joined), with where each stands in the document."""
    start, end = found.span
    deadline = found.deadlines[0] if found.deadlines else None
    return Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type="directive",
                  labels={"source": source,
                          "responsible": [doc.view(b.start, b.end).text for b in found.responsible],
                          "deadline": doc.view(*deadline).text if deadline else None,
                          "responsible_spans": [[b.start, b.end] for b in found.responsible],
                          "deadline_span": list(deadline) if deadline else None},
                  evidence=Evidence(quote=doc.view(start, end).text, start=start, end=end))


def read_directives(doc: Document, section_id: str, kind: str, source: str) -> list[Record]:
    """The section's own text read as one directive piece (the piece the model would be shown):
    a record if the reader is sure of it, else none."""
    view = doc.section_view(doc.section(section_id))
    if not view.text.strip():
        return []
    found = read_directive(view.text)
    if not found.sure:
        return []
    found.span = view.span_to_doc(0, len(view.text))
    found.deadlines = [view.span_to_doc(*d) for d in found.deadlines]
    for body in found.bodies:
        body.start, body.end = view.span_to_doc(body.start, body.end)
    return [directive_record(doc, found, section_id, kind, f"{section_id}#reader/directive", source)]
