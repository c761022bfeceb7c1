"""The 干部任免审批表 as an XLSX workbook laid out like the paper form (research notes §3.3).

One A4 portrait sheet: the title, the grid of personal fields with the photo box, education,
current/proposed/removed posts, the résumé, rewards and punishments, appraisals, the reason,
the family block, and the reporting unit with the approval boxes left for signatures.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from app.services.cadre_file import Sheet

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_FONT = Font(name="SimSun", size=11)
_LABEL = Font(name="SimSun", size=11, bold=True)
_COLUMNS = "ABCDEFG"
_WIDTHS = (12, 14, 10, 14, 14, 16, 16)


def _cell(ws: Worksheet, ref: str, value: str, *, label: bool = False, left: bool = False) -> None:
    """Write `value` in `ref` (one cell or a merged range), boxed on every cell it covers."""
    first, _, last = ref.partition(":")
    if last:
        ws.merge_cells(ref)
    for row in ws[ref] if last else ((ws[first],),):
        for c in row:
            c.border = _BOX
    c = ws[first]
    c.value = value
    # Text is text: openpyxl would store "=..." as a formula that a spreadsheet program runs.
    c.data_type = "s"
    c.font = _LABEL if label else _FONT
    c.alignment = _LEFT if left else _CENTER


def _age(values: dict[str, str]) -> str:
    born, on = values.get("ChuShengNianYue", ""), values.get("JiSuanNianLingShiJian", "")
    if len(born) != 6 or len(on) < 6:
        return born
    years = int(on[:4]) - int(born[:4]) - (int(on[4:6]) < int(born[4:6]))
    return f"{born[:4]}.{born[4:]}\n({years}岁)"


def _dotted(value: str) -> str:
    return f"{value[:4]}.{value[4:]}" if len(value) == 6 and value.isdigit() else value


def to_xlsx(sheet: Sheet) -> bytes:
    v = sheet.values
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "干部任免审批表"
    for col, width in zip(_COLUMNS, _WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    ws.merge_cells("A1:G1")
    ws["A1"] = "干部任免审批表"
    ws["A1"].font = Font(name="SimHei", size=20, bold=True)
    ws["A1"].alignment = _CENTER
    ws.row_dimensions[1].height = 40

    grid = [
        ("姓名", v["XingMing"], "性别", v["XingBie"], "出生年月\n(岁)", _age(v)),
        ("民族", v["MinZu"], "籍贯", v["JiGuan"], "出生地", v["ChuShengDi"]),
        (
            "入党时间",
            _dotted(v["RuDangShiJian"]),
            "参加工作\n时间",
            _dotted(v["CanJiaGongZuoShiJian"]),
            "健康状况",
            v["JianKangZhuangKuang"],
        ),
    ]
    r = 2
    for row in grid:
        for i, text in enumerate(row):
            _cell(ws, f"{_COLUMNS[i]}{r}", text, label=i % 2 == 0)
        ws.row_dimensions[r].height = 32
        r += 1
    _cell(ws, f"A{r}", "专业技术\n职务", label=True)
    _cell(ws, f"B{r}:C{r}", v["ZhuanYeJiShuZhiWu"])
    _cell(ws, f"D{r}", "熟悉专业\n有何专长", label=True)
    _cell(ws, f"E{r}:F{r}", v["ShuXiZhuanYeYouHeZhuanChang"])
    ws.row_dimensions[r].height = 32
    # The photo box beside the personal grid (the picture itself travels in the LRMX).
    _cell(ws, f"G2:G{r}", "照片\n(见LRMX)" if sheet.photo else "照片")
    r += 1
    _cell(ws, f"A{r}:A{r + 1}", "学历\n学位", label=True)
    for label, prefix in (("全日制\n教育", "QuanRiZhiJiaoYu"), ("在职\n教育", "ZaiZhiJiaoYu")):
        level = " ".join(t for t in (v[f"{prefix}_XueLi"], v[f"{prefix}_XueWei"]) if t)
        _cell(ws, f"B{r}", label, label=True)
        _cell(ws, f"C{r}:D{r}", level)
        _cell(ws, f"E{r}", "毕业院校\n系及专业", label=True)
        _cell(ws, f"F{r}:G{r}", v[f"{prefix}_XueLi_BiYeYuanXiaoXi"])
        ws.row_dimensions[r].height = 32
        r += 1
    for label, key in (("现任职务", "XianRenZhiWu"), ("拟任职务", "NiRenZhiWu")):
        _cell(ws, f"A{r}", label, label=True)
        _cell(ws, f"B{r}:G{r}", v[key], left=True)
        ws.row_dimensions[r].height = 28
        r += 1
    _cell(ws, f"A{r}", "拟免职务", label=True)
    _cell(ws, f"B{r}:G{r}", v["NiMianZhiWu"], left=True)
    ws.row_dimensions[r].height = 28
    r += 1
    blocks = (
        ("简\n\n历", "JianLi", 18),
        ("奖惩\n情况", "JiangChengQingKuang", 18),
        ("年度考核\n结果", "NianDuKaoHeJieGuo", 18),
        ("任免理由", "RenMianLiYou", 18),
    )
    for label, key, per_line in blocks:
        _cell(ws, f"A{r}", label, label=True)
        _cell(ws, f"B{r}:G{r}", v[key], left=True)
        lines = max(2, v[key].count("\n") + 1)
        ws.row_dimensions[r].height = min(409, per_line * lines)
        r += 1
    family_rows = max(len(sheet.family), 4)
    _cell(ws, f"A{r}:A{r + family_rows}", "家庭主要\n成员及\n重要社会\n关系", label=True)
    for i, text in enumerate(("称谓", "姓名", "出生年月", "政治面貌")):
        _cell(ws, f"{_COLUMNS[i + 1]}{r}", text, label=True)
    _cell(ws, f"F{r}:G{r}", "工作单位及职务", label=True)
    r += 1
    for i in range(family_rows):
        m = sheet.family[i] if i < len(sheet.family) else {}
        _cell(ws, f"B{r}", m.get("ChengWei", ""))
        _cell(ws, f"C{r}", m.get("XingMing", ""))
        _cell(ws, f"D{r}", _dotted(m.get("ChuShengRiQi", "")))
        _cell(ws, f"E{r}", m.get("ZhengZhiMianMao", ""))
        _cell(ws, f"F{r}:G{r}", m.get("GongZuoDanWeiJiZhiWu", ""), left=True)
        ws.row_dimensions[r].height = 24
        r += 1
    for label, text in (
        ("呈报单位", v["ChengBaoDanWei"] + "\n\n（盖章）    年  月  日"),
        ("审批机关\n意见", "\n\n（盖章）    年  月  日"),
        ("行政机关\n任免意见", "\n\n（盖章）    年  月  日"),
    ):
        _cell(ws, f"A{r}", label, label=True)
        _cell(ws, f"B{r}:G{r}", text, left=True)
        ws.row_dimensions[r].height = 60
        r += 1
    ws[f"A{r}"] = f"填表人：{v['TianBiaoRen']}"
    ws[f"E{r}"] = f"填表时间：{_dotted(v['TianBiaoShiJian'])}"
    ws.print_area = f"A1:G{r}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is not None:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
