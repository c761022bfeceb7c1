"""The cadre's file as the 干部任免审批表 shows it: the texts derived from the career data.

Pure functions shared by the exports (XLSX, LRMX) and the LRMX import, which compares what it
reads with what an export would write, so that exporting and importing again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

APPRAISAL_ZH = {
    "excellent": "优秀",
    "competent": "称职",
    "basically_competent": "基本称职",
    "incompetent": "不称职",
}
GENDER_ZH = {"male": "男", "female": "女"}
PARTY_ZH = {"cpc_member": "中共党员", "cpc_probationary": "中共预备党员", "non_party": ""}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_FORM = re.compile(r"\d{17}[\dX]")


def id_number_problem(value: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643) is not valid, or None."""
    if not _ID_FORM.fullmatch(value):
        return "an ID number is 17 digits and a check character (digit or X)"
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        return "the ID number's check character does not match (GB 11643)"
    if id_number_birth(value) is None:
        return "the ID number holds no valid birth date"
    return None


def id_number_birth(value: str) -> date | None:
    """The birth date in an ID number (characters 7–14), None when not a real date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def month(d: date | None) -> str:
    """A date as the form writes it in LRMX: yyyyMM."""
    return "" if d is None else f"{d.year:04d}{d.month:02d}"


def dotted(d: date | None) -> str:
    """A date as the printed form writes it: yyyy.MM."""
    return "" if d is None else f"{d.year:04d}.{d.month:02d}"


def parse_month(text: str) -> date | None:
    """yyyyMM, yyyy.MM, yyyy-MM or yyyyMMdd as the first day of that month; None if not one."""
    t = text.strip()
    found = re.fullmatch(r"(\d{4})[.\-/]?(\d{2})(?:[.\-/]?\d{2})?", t)
    if found is None:
        return None
    year, mon = int(found.group(1)), int(found.group(2))
    if not (1900 <= year <= 2100 and 1 <= mon <= 12):
        return None
    return date(year, mon, 1)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def resume(
    posts: Sequence[object], org_unit: str, current_title: str, current_since: date | None
) -> str:
    """简历: one line per post held, oldest first (`yyyy.MM--yyyy.MM  unit title`); the current
    post last when no open post already names it."""
    lines: list[tuple[str, str]] = []
    open_post = False
    for p in posts:
        if not isinstance(p, Mapping):
            continue
        start = date.fromisoformat(str(p["start"]))
        end = date.fromisoformat(str(p["end"])) if p.get("end") else None
        open_post = open_post or end is None
        span = f"{dotted(start)}--{dotted(end) if end else '       '}"
        lines.append((start.isoformat(), f"{span}  {p.get('unit', '')}{p.get('title', '')}"))
    lines.sort()
    out = [text for _, text in lines]
    if not open_post and current_title and current_since is not None:
        out.append(f"{dotted(current_since)}--         {org_unit}{current_title}")
    return "\n".join(out)


def appraisal_summary(appraisals: Sequence[object], today: date) -> str:
    """近三年年度考核结果: the grades of the last three years before `today`'s year."""
    years = range(today.year - 3, today.year)
    grades: dict[int, str] = {}
    for a in appraisals:
        if isinstance(a, Mapping) and isinstance(a.get("year"), int) and a["year"] in years:
            grades[a["year"]] = APPRAISAL_ZH.get(str(a.get("grade")), str(a.get("grade")))
    return "；".join(f"{y}年度{g}" for y, g in sorted(grades.items()))


def school_line(education: Mapping[str, object]) -> str:
    """毕业院校系及专业: school, department and major as one line."""
    parts = [str(education.get(k) or "") for k in ("school", "department", "major")]
    return "".join(parts)


def education_level(full_time: Mapping[str, object], in_service: Mapping[str, object]) -> str:
    """The highest education (the candidate's `education` value) named by the two 学历 texts."""
    order = [
        ("博士", "doctorate"),
        ("硕士", "master"),
        ("研究生", "master"),
        ("本科", "bachelor"),
        ("大学", "bachelor"),
        ("大专", "college"),
        ("专科", "college"),
    ]
    texts = f"{full_time.get('level') or ''} {in_service.get('level') or ''}"
    for word, value in order:
        if word in texts:
            return value
    return "below_college"


# The photo on the form is a small ID-style picture; the limit keeps it that.
PHOTO_MAX_BYTES = 256 * 1024


def photo_type(data: bytes) -> str | None:
    """ "image/jpeg" or "image/png" by the file's magic bytes (never by a declared type)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def photo_problem(data: bytes) -> str | None:
    if len(data) > PHOTO_MAX_BYTES:
        return f"the photo is {len(data)} bytes; at most {PHOTO_MAX_BYTES} are accepted"
    if photo_type(data) is None:
        return "the photo must be a JPEG or PNG image (checked by its content)"
    return None
