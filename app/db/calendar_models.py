"""Loaded calendar years: the official schedule of a year (国务院节假日安排) as data.

Registered on the metadata by the import at the end of app.db.models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class CalendarYear(Base):
    """The official schedule of one year, loaded by an operator (`cadre calendar load`, PUT
    /api/v1/calendar/years/{year}); consulted before the chinesecalendar package.

    `holidays` is the notice's holidays by name, `[{"name": "春节", "dates": ["2027-..."]}]`;
    `workdays` the make-up working days, `["2027-..."]` (ISO dates). Replaced only with the
    version read (If-Match) and a reason, each load recorded (纪实, subject type "calendar").
    """

    __tablename__ = "calendar_years"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1950 AND 2200", name="year_range"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(Text)
    holidays: Mapped[list[object]]
    workdays: Mapped[list[object]]
    # Loaded on purpose over a year the chinesecalendar package covers.
    overrides_package: Mapped[bool] = mapped_column(Boolean, server_default=false())
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
