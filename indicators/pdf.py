"""The assessment as a printable PDF report (A4 landscape) with its charts, drawn on the server
with reportlab: no browser, no network, no font file (Chinese text in the PDF's built-in CID font
STSong-Light, which every PDF viewer has and from which text can be extracted).

Contents: who generated it and when (on every page), the ranking's score bar chart, the trend of
the scope's volumes and main rate over the 12 months up to the period's end, and the ranking table
(rank, name, belongs to, score, grade, the two halves, the component indicators). Each download is
written to the audit log (assessment.export_pdf)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from core.audit import record
from indicators.assessment import Ranking, case_paths
from indicators.definitions import INDICATORS, Period, ScopeFilter, as_display, compute
from indicators.export import column_label, district_of, header_line, is_rate

FONT = "STSong-Light"
PDF = "application/pdf"
BAR_ROWS = 25
TREND_MONTHS = 12


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def trend_months(period: Period, count: int = TREND_MONTHS) -> list[Period]:
    """The `count` calendar months ending with the one the period ends in."""
    last = period.end.replace(day=1) if period.end.day != 1 else period.end
    year, month = last.year, last.month
    months = []
    for _i in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(Period.month(year, month))
    return list(reversed(months))


def trend_scope(user, ranking: Ranking) -> tuple[ScopeFilter, tuple[str, str, str]]:
    """What the trend is about (the ranking's area, else what the viewer covers; a department
    handler's own department) and which two counts and which rate it draws."""
    department_kind = ranking.kind.code == "department"
    keys = (("tasks", "tasks_on_time", "on_time_handling_rate") if department_kind
            else ("reports", "closed", "on_time_closure_rate"))
    if ranking.within is not None:
        return ScopeFilter(area=ranking.within), keys
    paths = case_paths(user)
    if paths is None:  # a superuser: everything
        return ScopeFilter(), keys
    if paths:
        return ScopeFilter(paths=paths), keys
    from areas.models import Department

    own = get_scope(user).departments_for("case.task")
    department = Department.objects.filter(pk__in=own).order_by("code").first()
    return ScopeFilter(department=department), ("tasks", "tasks_on_time", "on_time_handling_rate")


def trend_data(user, ranking: Ranking) -> dict:
    scope, (count_a, count_b, rate) = trend_scope(user, ranking)
    months = trend_months(ranking.period)
    series = {count_a: [], count_b: [], rate: []}
    for month in months:
        values = compute(scope, month)
        for key in series:
            series[key].append(values.get(key))
    return {"months": [m.name for m in months], "series": series, "keys": (count_a, count_b, rate)}


def _bar_chart(ranking: Ranking, width: float, font: str):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    rows = [r for r in ranking.rows if r.result.score is not None][:BAR_ROWS]
    height = max(120, 16 * len(rows) + 50)
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 14, _("Scores, highest first"), fontName=font, fontSize=11))
    if not rows:
        drawing.add(String(0, height - 40, _("No scores in this period."), fontName=font, fontSize=10))
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 20
    chart.width, chart.height = width - 200, height - 50
    rows = list(reversed(rows))  # the chart draws from the bottom up
    chart.data = [[float(r.result.score) for r in rows]]
    chart.categoryAxis.categoryNames = [f"{r.rank}. {r.name}"[:16] for r in rows]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = font
    chart.bars[0].fillColor = colors.HexColor("#1971c2")
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _trend_chart(trend: dict, width: float, font: str):
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    count_a, count_b, rate = trend["keys"]
    height = 200
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 14, _("Trend over the last 12 months"), fontName=font, fontSize=11))
    palette = [colors.HexColor("#1971c2"), colors.HexColor("#2f9e44"), colors.HexColor("#e8590c")]
    half = (width - 60) / 2
    counts = HorizontalLineChart()
    counts.x, counts.y, counts.width, counts.height = 40, 30, half - 40, height - 70
    counts.data = [[v or 0 for v in trend["series"][count_a]], [v or 0 for v in trend["series"][count_b]]]
    counts.categoryAxis.categoryNames = [m[2:] for m in trend["months"]]
    for axis in (counts.categoryAxis, counts.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = font, 7
    counts.valueAxis.valueMin = 0
    for i in range(2):
        counts.lines[i].strokeColor = palette[i]
        counts.lines[i].strokeWidth = 1.5
    drawing.add(counts)
    rates = HorizontalLineChart()
    rates.x, rates.y, rates.width, rates.height = half + 80, 30, half - 40, height - 70
    rates.data = [[round(100 * v, 1) if v is not None else 0 for v in trend["series"][rate]]]
    rates.categoryAxis.categoryNames = counts.categoryAxis.categoryNames
    for axis in (rates.categoryAxis, rates.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = font, 7
    rates.valueAxis.valueMin, rates.valueAxis.valueMax, rates.valueAxis.valueStep = 0, 100, 20
    rates.lines[0].strokeColor = palette[2]
    rates.lines[0].strokeWidth = 1.5
    drawing.add(rates)
    legend = Legend()
    legend.fontName, legend.fontSize = font, 8
    legend.x, legend.y = 40, height - 26
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(palette[0], str(INDICATORS[count_a].label)), (palette[1], str(INDICATORS[count_b].label)),
                             (palette[2], f"{INDICATORS[rate].label} (%)")]
    drawing.add(legend)
    return drawing


def _cell(key: str, value) -> str:
    if value is None:
        return "—"
    if key in INDICATORS:
        return as_display(key, value)
    if key:
        if is_rate(key):
            return f"{100 * value:.1f}%"
        return f"{value:,}" if isinstance(value, int) else f"{value:.2f}"
    if isinstance(value, float):
        return f"{100 * value:.1f}%" if value <= 1 else f"{value:.1f}"
    return str(value)


def report(user, ranking: Ranking) -> tuple[bytes, str]:
    """(PDF bytes, file name); audited as assessment.export_pdf."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    mark = header_line(user, ranking)
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=16 * mm,
                            bottomMargin=14 * mm, title=f"{ranking.kind.label} {ranking.period.label}",
                            author=user.get_username(), subject=mark)
    width = page[0] - 24 * mm
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10)
    where = f"{ranking.within.name} · " if ranking.within is not None else ""
    story = [Paragraph(f"{where}{ranking.kind.label} · {_('Performance assessment')} · {ranking.period.label}", title),
             Paragraph(mark, small), Spacer(1, 4 * mm), _bar_chart(ranking, width, font), Spacer(1, 4 * mm),
             _trend_chart(trend_data(user, ranking), width, font), Spacer(1, 4 * mm)]
    columns = ranking.columns
    header = [_("Rank"), _("Name"), _("Belongs to"), _("Score"), _("Grade"), _("Top-down"), _("Bottom-up")]
    header += [column_label(k) for k in columns]
    cell = ParagraphStyle("cell", fontName=font, fontSize=6.5, leading=8)
    data = [[Paragraph(str(h), cell) for h in header]]
    for row in ranking.rows:
        line = [row.rank or "—", row.name, row.parent, _cell("", row.result.score), row.result.grade or "—",
                _cell("", row.result.top_down), _cell("", row.result.bottom_up)]
        line += [_cell(k, row.values.get(k)) for k in columns]
        data.append([Paragraph(str(v), cell) if i in (1, 2) else str(v) for i, v in enumerate(line)])
    if len(data) == 1:
        data.append([_("No rows in this period.")] + [""] * (len(header) - 1))
    fixed = [22, 80, 70, 30, 26, 34, 34]
    rest = (width - sum(fixed)) / max(1, len(columns))
    table = Table(data, colWidths=fixed + [rest] * len(columns), repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 6.5),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
    ]))
    story.append(table)

    def decorate(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(12 * mm, page[1] - 9 * mm, mark)
        canvas.drawRightString(page[0] - 12 * mm, 7 * mm, f"{document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    record(user, "assessment.export_pdf", object_type="indicators.assessment",
           object_id=f"{ranking.kind.code}:{ranking.period.label}", object_repr=mark[:255],
           district_code=district_of(user, ranking),
           after={"kind": ranking.kind.code, "period": ranking.period.label, "rows": len(ranking.rows),
                  "within": ranking.within.code if ranking.within is not None else None})
    name = f"{_('Performance assessment')}-{ranking.kind.label}-{ranking.period.label}-{timezone.localtime():%Y%m%d-%H%M}.pdf"
    return buffer.getvalue(), name
