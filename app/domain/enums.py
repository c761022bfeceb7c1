"""Closed vocabularies of the domain. Values are stable API strings; names equal values' meaning."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles a principal may hold."""

    ORG_DEPARTMENT = "org_department"  # 组织部门
    COMMITTEE_SECRETARY = "committee_secretary"  # 党委（党组）书记
    DISCIPLINE_INSPECTION = "discipline_inspection"  # 纪检监察机关
    UNIT_PARTY_LEADER = "unit_party_leader"  # 单位党组织主要负责人
    CADRE = "cadre"  # 干部本人
    AUDITOR = "auditor"  # 安全审计员: reads the record and the access log, changes nothing
    # 三员分立 (separation of duties): the system administrator (系统管理员) runs the system and
    # reads no personnel data; the security administrator (安全保密管理员) grants roles and scopes.
    ADMIN = "admin"
    SECURITY_ADMIN = "security_admin"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Education(StrEnum):
    """Highest education level (学历)."""

    BELOW_COLLEGE = "below_college"  # 大专以下
    COLLEGE = "college"  # 大专
    BACHELOR = "bachelor"  # 大学本科
    MASTER = "master"  # 硕士研究生
    DOCTORATE = "doctorate"  # 博士研究生

    @property
    def order(self) -> int:
        return list(Education).index(self)


class RankLevel(StrEnum):
    """Civil-service leadership levels (领导职务层次), lowest first."""

    TOWNSHIP_DEPUTY = "township_deputy"  # 乡科级副职
    TOWNSHIP_PRINCIPAL = "township_principal"  # 乡科级正职
    COUNTY_DEPUTY = "county_deputy"  # 县处级副职
    COUNTY_PRINCIPAL = "county_principal"  # 县处级正职
    BUREAU_DEPUTY = "bureau_deputy"  # 厅局级副职
    BUREAU_PRINCIPAL = "bureau_principal"  # 厅局级正职
    PROVINCIAL_DEPUTY = "provincial_deputy"  # 省部级副职
    PROVINCIAL_PRINCIPAL = "provincial_principal"  # 省部级正职

    @property
    def order(self) -> int:
        return list(RankLevel).index(self)

    @property
    def is_principal(self) -> bool:
        return self.value.endswith("_principal")

    @property
    def tier(self) -> str:
        """township / county / bureau / provincial."""
        return self.value.split("_", 1)[0]

    @property
    def county_or_above(self) -> bool:
        return self.order >= RankLevel.COUNTY_DEPUTY.order

    @property
    def bureau_or_above(self) -> bool:
        return self.order >= RankLevel.BUREAU_DEPUTY.order


class Appraisal(StrEnum):
    """Annual appraisal grade (年度考核等次)."""

    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 称职
    BASICALLY_COMPETENT = "basically_competent"  # 基本称职
    INCOMPETENT = "incompetent"  # 不称职


class PartyMembership(StrEnum):
    CPC_MEMBER = "cpc_member"  # 中共党员
    CPC_PROBATIONARY = "cpc_probationary"  # 中共预备党员
    NON_PARTY = "non_party"  # 非中共党员（民主党派、无党派）


class FillMethod(StrEnum):
    """How a post is filled (任职方式, APP-FORM)."""

    APPOINTED = "appointed"  # 委任
    ELECTED = "elected"  # 选任
    HIRED = "hired"  # 聘任


class SelectionMethod(StrEnum):
    """Selection method (选拔方式)."""

    ORGANISATIONAL = "organisational"  # 组织选拔
    COMPETITIVE = "competitive"  # 竞争上岗
    OPEN = "open"  # 公开选拔


class SanctionKind(StrEnum):
    """Disciplinary or organisational sanction (处分/组织处理)."""

    PARTY_DISCIPLINE = "party_discipline"  # 党纪处分
    ADMINISTRATIVE = "administrative"  # 政务处分
    ORGANISATIONAL = "organisational"  # 组织处理
    ADMONISHMENT = "admonishment"  # 诫勉


class MisconductKind(StrEnum):
    """Misconduct recorded on the cadre's file (DISC-MISCONDUCT)."""

    FAVOUR_SEEKING = "favour_seeking"  # 托人情
    INTERCEDING = "interceding"  # 打招呼
    OFFICE_SEEKING = "office_seeking"  # 跑官要官
    CANVASSING = "canvassing"  # 拉票
    FALSIFICATION = "falsification"  # 弄虚作假
