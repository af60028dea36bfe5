"""The assessment as an .xlsx workbook: who exported it and when in the first line (and in the
print header and footer), then the ranking with every score and component indicator. Each export
is written to the audit log."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from core.audit import record
from indicators.assessment import Ranking
from indicators.definitions import INDICATORS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column_label(key: str) -> str:
    from indicators.scores import label_of

    return str(label_of(key))


def is_rate(key: str) -> bool:
    from indicators.community import COMMUNITY_INDICATORS, RATE
    from indicators.scores import EXTRA_LABELS

    if key == "report_volume":
        return False
    if key in COMMUNITY_INDICATORS:
        return COMMUNITY_INDICATORS[key].kind == RATE
    return key in EXTRA_LABELS or INDICATORS[key].kind == "rate"


def header_line(user, ranking: Ranking) -> str:
    name = getattr(user, "display_name", "") or user.get_username()
    who = user.get_username() if name == user.get_username() else f"{user.get_username()}（{name}）"
    where = f"{ranking.within.name} · " if ranking.within is not None else ""
    return _("%(what)s, %(period)s: exported by %(user)s at %(time)s. For official use only.") % {
        "what": f"{where}{ranking.kind.label}", "period": ranking.period.label, "user": who,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}


def district_of(user, ranking: Ranking) -> str:
    if ranking.within is not None:
        return ranking.within.district_code
    for role in get_scope(user).roles:
        area = role.department.area if role.department_id else role.area
        if area is not None:
            return area.district_code
    return ""


def workbook(user, ranking: Ranking) -> tuple[bytes, str]:
    """(xlsx bytes, file name); audited as assessment.export."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    mark = header_line(user, ranking)
    headers = [_("Rank"), _("Name"), _("Code"), _("Belongs to"), _("Score"), _("Grade"), _("Top-down"),
               _("Bottom-up")] + [column_label(k) for k in ranking.columns]
    book = Workbook()
    sheet = book.active
    sheet.title = str(ranking.kind.label)[:31]
    sheet.append([mark])
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in ranking.rows:
        line = [row.rank, row.name, row.code, row.parent, row.result.score, row.result.grade or None,
                row.result.top_down, row.result.bottom_up]
        line += [row.values.get(k) for k in ranking.columns]
        sheet.append(line)
        for offset, key in enumerate(ranking.columns, start=9):
            if is_rate(key):
                sheet.cell(row=sheet.max_row, column=offset).number_format = "0.0%"
    sheet.freeze_panes = "C3"
    for number in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(number)].width = 18 if number in (2, 4) else 12
    sheet.oddHeader.center.text = mark
    sheet.oddFooter.center.text = mark
    sheet.oddFooter.right.text = "&P / &N"
    book.properties.creator = user.get_username()
    book.properties.title = f"{ranking.kind.label} {ranking.period.label}"
    book.properties.description = mark
    out = io.BytesIO()
    book.save(out)
    record(user, "assessment.export", object_type="indicators.assessment",
           object_id=f"{ranking.kind.code}:{ranking.period.label}", object_repr=mark[:255],
           district_code=district_of(user, ranking),
           after={"kind": ranking.kind.code, "period": ranking.period.label, "rows": len(ranking.rows),
                  "within": ranking.within.code if ranking.within is not None else None})
    name = f"{_('Performance assessment')}-{ranking.kind.label}-{ranking.period.label}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return out.getvalue(), name
