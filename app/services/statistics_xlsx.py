"""The statistics as an XLSX workbook with charts (openpyxl), for download.

One sheet per table, each with its chart; a suppressed cell reads "<5" (and is left out of the
chart) so that a spreadsheet shows the same as the JSON's `null` + `suppressed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from app.domain.workflow.stages import STAGE_LABELS, Stage
from app.services.statistics import Cell, Statistics

SUPPRESSED = "<5"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value(cell: Cell) -> int | float | str:
    return SUPPRESSED if cell.suppressed or cell.value is None else cell.value


def _table(ws: Worksheet, header: tuple[str, str], rows: Sequence[tuple[str, object]]) -> None:
    ws.append(list(header))
    for label, value in rows:
        ws.append([label, value])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 14


def _bar(ws: Worksheet, title: str, n: int, anchor: str) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, anchor)


def to_xlsx(st: Statistics) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Summary"
    scope = st.org_unit or "all units"
    _table(
        ws,
        ("干部选拔任用工作统计 statistics", f"{st.period_from} – {st.period_to}"),
        [
            ("organisation unit", scope),
            ("cases opened in the period", st.cases_total),
            ("cases overdue (window or term run out)", st.cases_overdue),
            ("newly appointed (新提任)", st.appointed_count),
            ("women (女干部)", _value(st.women)),
            ("non-party (非中共党员)", _value(st.non_party)),
            ("ethnic minorities (少数民族)", _value(st.ethnic_minorities)),
            ("average age at appointment (平均年龄)", _value(st.average_age)),
            ("bachelor or above (大学及以上)", _value(st.bachelor_or_above)),
            ("grassroots experience (基层工作经历)", _value(st.grassroots_experience)),
            ("exceptional promotions (破格/越级)", _value(st.exceptional)),
            ("publicity objections (公示反映)", st.objections_total),
            ("generated at", st.generated_at.isoformat()),
            ("cells of 1–4 people, or of groups under 5, read", SUPPRESSED),
        ],
    )

    cases = wb.create_sheet("Cases by stage")
    stages = [(f"{STAGE_LABELS[Stage(k)]} {k}", v) for k, v in st.cases_by_stage.items()]
    _table(cases, ("stage", "cases"), stages)
    _bar(cases, "Cases by stage", len(stages), "D2")

    methods = wb.create_sheet("Appointments by method")
    rows = list(st.appointments_by_method.items())
    _table(methods, ("method", "appointed"), list(rows))
    pie = PieChart()
    pie.title = "Appointments by method"
    pie.add_data(
        Reference(methods, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True
    )
    pie.set_categories(Reference(methods, min_col=1, min_row=2, max_row=len(rows) + 1))
    methods.add_chart(pie, "D2")

    edu = wb.create_sheet("Education")
    erows = [(k, _value(v)) for k, v in st.education.items()]
    _table(edu, ("education (学历)", "newly appointed"), erows)
    _bar(edu, "Newly appointed by education", len(erows), "D2")

    obj = wb.create_sheet("Objections")
    orows = list(st.objection_outcomes.items())
    _table(obj, ("finding", "objections"), list(orows))
    _bar(obj, "Publicity objections by finding", len(orows), "D2")

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
