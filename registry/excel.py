"""The registry and Excel: import templates, exports and the report-once statistics.

* Templates (`template_workbook`): one per kind, the Chinese headers the importer expects
  (registry/imports.py), drop-downs for the choices, document numbers and codes formatted as text,
  and a sheet explaining every column.
* Exports (`export_workbook`): what the user may export (registry.export) of residents, dwellings or
  organizations, for a stated purpose, at most EXPORT_CAP rows; personal data masked only; the
  watermark (who, when, why) as the first row, the print header and footer and the workbook
  properties; one audit row.
* Report once (`report_data`, `report_workbook`): the statistics communities are asked for —
  population by residence status per street, community and grid, special groups per community,
  households per grid, grid sizing, organizations by kind — computed from the registry with
  aggregate queries (special groups counted by their keyed index, never decrypted), only over what
  the user can see; audited as an export.

Imports themselves live in registry/imports.py (`run_import`, `store_upload`).
"""

from __future__ import annotations

import io
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.scope import get_scope
from areas.models import Area
from core import crypto
from registry.actions import audit_export
from registry.choices import Gender, IdType, OrganizationKind, Relation, ResidenceStatus, SpecialGroup
from registry.imports import (
    COLUMNS,
    MAX_ROWS,
    choice_labels,
)
from registry.models import Dwelling, Household, ImportJob, Organization, Person, SpecialGroupTag

EXPORT_CAP = 50_000
LANGUAGE = "zh-hans"  # the spreadsheets are Chinese documents, whatever the page language
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
REQUIRED_FONT = Font(bold=True, color="C0392B")
BOLD = Font(bold=True)
WATERMARK_FONT = Font(italic=True, color="C0392B")
GRID_LEVELS = ("grid", "cell")

SHEET_TITLES = {
    ImportJob.Kind.RESIDENTS: "居民",
    ImportJob.Kind.DWELLINGS: "房屋",
    ImportJob.Kind.ORGANIZATIONS: "单位",
}

HINTS = {
    ImportJob.Kind.RESIDENTS: {
        "name": gettext_lazy("Full name, at most 50 characters."),
        "id_type": gettext_lazy("Resident identity card when left empty."),
        "id_number": gettext_lazy("Required. Residents are matched by their document, so importing the file "
                                  "again updates them instead of registering them twice. Keep the column "
                                  "formatted as text."),
        "gender": gettext_lazy("Taken from the identity card number when left empty."),
        "birth_date": gettext_lazy("Taken from the identity card number when left empty (e.g. 1990-01-31)."),
        "phone": gettext_lazy("Mobile or landline, 7 to 12 digits."),
        "residence_status": gettext_lazy("Permanent when left empty."),
        "grid": gettext_lazy("The code of the grid. You must be allowed to edit the registry of that grid."),
        "address": gettext_lazy("The address of the dwelling; a dwelling not registered in the grid yet is "
                                "created."),
        "unit": gettext_lazy("Optional, with the address."),
        "room": gettext_lazy("Optional, with the address."),
        "household": gettext_lazy("The household number; a household not registered in the grid yet is created "
                                  "at the address."),
        "relation": gettext_lazy("Required with a household number; one head per household."),
    },
    ImportJob.Kind.DWELLINGS: {
        "grid": gettext_lazy("The code of the grid. You must be allowed to edit the registry of that grid."),
        "address": gettext_lazy("Required."),
        "unit": gettext_lazy("Optional."),
        "room": gettext_lazy("Optional."),
        "lon": gettext_lazy("Optional, with the latitude; the point must lie inside the grid."),
        "lat": gettext_lazy("Optional, with the longitude."),
        "external_key": gettext_lazy("Your own key of the dwelling (e.g. from the housing system). Dwellings are "
                                     "matched by it, else by grid, address, unit and room."),
    },
    ImportJob.Kind.ORGANIZATIONS: {
        "name": gettext_lazy("Required."),
        "kind": gettext_lazy("Required."),
        "grid": gettext_lazy("The code of the grid. You must be allowed to edit the registry of that grid."),
        "credit_code": gettext_lazy("18 characters. Organizations are matched by it, else by grid and name."),
        "business_type": gettext_lazy("Free text, e.g. catering, retail."),
        "address": gettext_lazy("Optional."),
        "lon": gettext_lazy("Optional, with the latitude; the point must lie inside the grid."),
        "lat": gettext_lazy("Optional, with the longitude."),
        "contact_name": gettext_lazy("Optional."),
        "contact_phone": gettext_lazy("Optional, 7 to 12 digits."),
    },
}

EXAMPLES = {
    ImportJob.Kind.RESIDENTS: {"name": "张晓明", "id_type": "居民身份证", "id_number": "110101199003070054",
                               "phone": "13812345678", "residence_status": "常住人口", "grid": "410611001001001",
                               "address": "甲一小区1号楼1单元101", "household": "A-0001", "relation": "户主"},
    ImportJob.Kind.DWELLINGS: {"grid": "410611001001001", "address": "甲一小区1号楼1单元101", "unit": "1",
                               "room": "101", "lon": "114.07", "lat": "35.6", "external_key": "FW-000001"},
    ImportJob.Kind.ORGANIZATIONS: {"name": "甲一便利店", "kind": "商铺门头", "grid": "410611001001001",
                                   "credit_code": "91110108551385082Q", "business_type": "零售",
                                   "address": "甲一路 8 号", "contact_name": "李四", "contact_phone": "13900001111"},
}


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- templates -----------------------------------------------------------------------------------


def template_workbook(kind: str) -> Workbook:
    columns = COLUMNS[kind]
    with translation.override(LANGUAGE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = SHEET_TITLES[kind]
        for number, column in enumerate(columns, start=1):
            letter = get_column_letter(number)
            cell = sheet.cell(row=1, column=number, value=column.header)
            cell.font = REQUIRED_FONT if column.required else BOLD
            cell.fill = HEADER_FILL
            sheet.column_dimensions[letter].width = column.width
            if column.text:
                sheet.column_dimensions[letter].number_format = "@"
            if column.choices:
                labels = choice_labels(column.choices)
                validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                            showErrorMessage=False)
                validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"

        notes = workbook.create_sheet(_("How to fill in"))
        notes.append([_("Import template: %(kind)s") % {"kind": ImportJob.Kind(kind).label}])
        notes["A1"].font = Font(bold=True, size=13)
        for line in (
            _("Fill in the first sheet, one row per record, below its header row; keep the headers as they are "
              "(columns in red are required)."),
            _("Every row is checked. Rows with errors are not imported; each is reported with its row, column "
              "and reason, so they can be corrected and the file imported again."),
            _("Importing the same file again changes nothing: registered records are recognised and unchanged "
              "rows are skipped."),
            _("At most %(rows)s rows per file.") % {"rows": f"{MAX_ROWS:,}"},
        ):
            notes.append([line])
        notes.append([])
        notes.append([_("Column"), _("Required"), _("How to fill it in"), _("Example")])
        for cell in notes[notes.max_row]:
            cell.font = BOLD
            cell.fill = HEADER_FILL
        hints, examples = HINTS[kind], EXAMPLES[kind]
        for column in columns:
            hint = str(hints.get(column.key, ""))
            if column.choices:
                hint = (hint + " " if hint else "") + _("One of: %(choices)s.") % {
                    "choices": "、".join(choice_labels(column.choices))}
            notes.append([column.header, _("yes") if column.required else "", hint, examples.get(column.key, "")])
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 8
        notes.column_dimensions["C"].width = 80
        notes.column_dimensions["D"].width = 24
        for row in notes.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        workbook.properties.title = _("Import template: %(kind)s") % {"kind": ImportJob.Kind(kind).label}
        workbook.properties.creator = "gridgov"
    return workbook


def template_bytes(kind: str) -> tuple[bytes, str]:
    with translation.override(LANGUAGE):
        prefix = _("Import template")
        name = f"{prefix}-{ImportJob.Kind(kind).label}.xlsx"
    return _save(template_workbook(kind)), name


def error_workbook(errors) -> Workbook:
    """Every refused row of an import: (row, column, reason)."""
    with translation.override(LANGUAGE):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Errors"))
        sheet.column_dimensions["A"].width = 8
        sheet.column_dimensions["B"].width = 18
        sheet.column_dimensions["C"].width = 80
        sheet.append([_("Row"), _("Column"), _("Error reason")])
        for row, column, reason in errors:
            sheet.append([row, column, reason])
    return workbook


# --- exports -------------------------------------------------------------------------------------

EXPORT_KINDS = {
    ImportJob.Kind.RESIDENTS: ("person", ["序号", "姓名", "性别", "年龄", "证件类型", "证件号码", "联系电话", "人口类型",
                                          "与户主关系", "户号", "地址", "网格", "网格编码"]),
    ImportJob.Kind.DWELLINGS: ("dwelling", ["序号", "地址", "单元", "房号", "网格", "网格编码", "经度", "纬度",
                                            "外部编号"]),
    ImportJob.Kind.ORGANIZATIONS: ("organization", ["序号", "单位名称", "类型", "统一社会信用代码", "业态", "地址",
                                                    "网格", "网格编码", "联系人", "联系电话"]),
}


def clean_purpose(purpose: str) -> str:
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("State the purpose of the export.")})
    return purpose[:200]


def watermark(user, purpose: str) -> str:
    name = getattr(user, "display_name", "") or user.get_username()
    who = user.get_username() if name == user.get_username() else f"{user.get_username()}（{name}）"
    return _("Exported by %(user)s at %(time)s for: %(purpose)s. For official use only; do not pass on.") % {
        "user": who, "time": _now_text(), "purpose": purpose}


def _export_queryset(user, kind: str, area: Area | None):
    model = {ImportJob.Kind.RESIDENTS: Person, ImportJob.Kind.DWELLINGS: Dwelling,
             ImportJob.Kind.ORGANIZATIONS: Organization}[kind]
    queryset = model.objects.restrict(user, "registry.export")
    if kind == ImportJob.Kind.RESIDENTS:
        queryset = queryset.filter(moved_out_on__isnull=True).select_related("grid", "household")
    else:
        queryset = queryset.select_related("grid")
    if area is not None:
        queryset = queryset.filter(area_path__startswith=area.path)
    return queryset.order_by("area_path", "id")


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _export_rows(user, kind: str, objects):
    scope = get_scope(user)
    sensitive = tuple(scope.paths.get("registry.sensitive", ()))

    def may_see(path: str) -> bool:
        return scope.is_superuser or path.startswith(sensitive) if sensitive else scope.is_superuser

    if kind == ImportJob.Kind.RESIDENTS:
        genders, id_types = _labels(Gender), _labels(IdType)
        statuses, relations = _labels(ResidenceStatus), _labels(Relation)
        for n, p in enumerate(objects, start=1):
            shown = may_see(p.area_path)
            yield p.pk, [n, p.masked_name, genders.get(p.gender, ""), p.age, id_types.get(p.id_type, ""),
                         p.masked_id_number if shown else "", p.masked_phone if shown else "",
                         statuses.get(p.residence_status, ""), relations.get(p.relation, ""),
                         p.household.number if p.household_id else "", p.address_text, p.grid.name, p.grid.code]
    elif kind == ImportJob.Kind.DWELLINGS:
        for n, d in enumerate(objects, start=1):
            yield d.pk, [n, d.address, d.unit, d.room, d.grid.name, d.grid.code, d.lon, d.lat, d.external_key]
    else:
        kinds = _labels(OrganizationKind)
        for n, o in enumerate(objects, start=1):
            yield o.pk, [n, o.name, kinds.get(o.kind, ""), o.credit_code, o.business_type, o.address, o.grid.name,
                         o.grid.code, crypto.mask_name(o.contact_name),
                         crypto.mask_phone(crypto.decrypt(o.contact_phone_enc))]


def export_workbook(user, kind: str, purpose: str, area: Area | None = None) -> tuple[bytes, str, int, int]:
    """(xlsx bytes, file name, rows exported, rows there were). PermissionDenied without
    registry.export (over `area`, when given); ValidationError without a purpose."""
    scope = get_scope(user)
    if not scope.can("registry.export") or (area is not None and not scope.can("registry.export", area)):
        raise PermissionDenied(_("You are not allowed to export the registry."))
    if kind not in EXPORT_KINDS:
        raise ValidationError({"kind": _("Choose what to export.")})
    with translation.override(LANGUAGE):
        purpose = clean_purpose(purpose)
        what, headers = EXPORT_KINDS[kind]
        queryset = _export_queryset(user, kind, area)
        total = queryset.count()
        mark = watermark(user, purpose)
        capped = total > EXPORT_CAP
        cap_note = _("Only the first %(cap)s of %(total)s rows are exported; narrow the area to export the rest.") % {
            "cap": f"{EXPORT_CAP:,}", "total": f"{total:,}"} if capped else ""

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(SHEET_TITLES[kind])
        sheet.freeze_panes = "A3"
        for number in range(1, len(headers) + 1):
            sheet.column_dimensions[get_column_letter(number)].width = 8 if number == 1 else 16
        sheet.oddHeader.center.text = mark
        sheet.oddFooter.center.text = mark
        sheet.oddFooter.right.text = "&P / &N"
        sheet.append([mark + (" " + cap_note if cap_note else "")])
        sheet.append(headers)
        ids: list[int] = []
        count = 0
        for pk, row in _export_rows(user, kind, queryset[:EXPORT_CAP].iterator(chunk_size=2000)):
            sheet.append(row)
            count += 1
            if len(ids) < 1000:
                ids.append(pk)
        if cap_note:
            sheet.append([])
            sheet.append([cap_note])
        workbook.properties.creator = user.get_username()
        workbook.properties.lastModifiedBy = user.get_username()
        workbook.properties.title = f"{SHEET_TITLES[kind]} {_now_text()}"
        workbook.properties.description = mark
        workbook.properties.keywords = _("For official use only")
        content = _save(workbook)
        audit_export(user, what, count, purpose, ids)
        prefix = _("Export")
        name = f"{prefix}-{SHEET_TITLES[kind]}-{_stamp()}.xlsx"
    return content, name, count, total


# --- report once ---------------------------------------------------------------------------------

GUIDE_HOUSEHOLDS = 300
GUIDE_PEOPLE = (1000, 1500)
SPLIT_HOUSEHOLDS, SPLIT_PEOPLE = 450, 2000  # too large when above either
MERGE_HOUSEHOLDS, MERGE_PEOPLE = 150, 500  # too small when below both


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


class _Tree:
    """The areas named by a set of paths, and each path's street, community and own area."""

    def __init__(self, paths):
        ids = {i for path in paths for i in _path_ids(path)}
        self.areas = Area.objects.only("id", "name", "code", "level", "path").in_bulk(ids)

    def level(self, path: str, level: str) -> Area | None:
        for i in _path_ids(path):
            area = self.areas.get(i)
            if area is not None and area.level == level:
                return area
        return None

    def own(self, path: str) -> Area | None:
        ids = _path_ids(path)
        return self.areas.get(ids[-1]) if ids else None

    @staticmethod
    def names(*areas) -> list[str]:
        return [a.name if a else "" for a in areas]


def _group(counts: dict, key_of) -> dict:
    grouped: dict = defaultdict(lambda: defaultdict(int))
    for path, row in counts.items():
        key = key_of(path)
        for column, n in row.items():
            grouped[key][column] += n
    return grouped


def report_data(user) -> list[tuple[str, list[str], list[list]]]:
    """[(sheet title, headers, rows)] of the report-once workbook, over what the user can see."""
    scope = get_scope(user)
    today = timezone.localdate()
    sheets: list[tuple[str, list[str], list[list]]] = []
    with translation.override(LANGUAGE):
        statuses = [(s.value, str(s.label)) for s in ResidenceStatus]
        people = (Person.objects.restrict(user).filter(moved_out_on__isnull=True).order_by()
                  .values_list("area_path", "residence_status").annotate(n=Count("id")))
        by_path: dict = defaultdict(lambda: defaultdict(int))
        for path, status, n in people:
            by_path[path][status] += n
        households = dict(Household.objects.restrict(user).order_by().values_list("area_path")
                          .annotate(n=Count("id")))
        tag_counts: dict = defaultdict(lambda: defaultdict(int))
        kinds = [(k.value, str(k.label)) for k in SpecialGroup]
        if scope.can("registry.sensitive"):
            by_index = {SpecialGroupTag.index_of(k): k for k, _label in kinds}
            visible = Person.objects.restrict(user, "registry.sensitive").filter(moved_out_on__isnull=True)
            tags = (SpecialGroupTag.objects.filter(person__in=visible.values("id"), starts_on__lte=today)
                    .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)).order_by()
                    .values_list("person__area_path", "kind_index").annotate(n=Count("person_id", distinct=True)))
            for path, index, n in tags:
                if index in by_index:
                    tag_counts[path][by_index[index]] += n
        organization_kinds = [(k.value, str(k.label)) for k in OrganizationKind]
        organizations: dict = defaultdict(lambda: defaultdict(int))
        for path, kind, n in (Organization.objects.restrict(user).order_by().values_list("area_path", "kind")
                              .annotate(n=Count("id"))):
            organizations[path][kind] += n
        grids = list(Area.objects.restrict(user, "registry.view").filter(level__in=GRID_LEVELS)
                     .only("id", "name", "code", "path", "level").order_by("path"))
        sizing = {row["grid_id"]: (row["households"], row["residents"]) for row in (
            Person.objects.restrict(user).filter(moved_out_on__isnull=True).order_by().values("grid_id")
            .annotate(residents=Count("id"), households=Count("household_id", distinct=True)))}

        tree = _Tree(set(by_path) | set(households) | set(tag_counts) | set(organizations) | {g.path for g in grids})

        def street(path):
            return tree.level(path, "street")

        def community(path):
            return tree.level(path, "community")

        # population by residence status: per street, community, grid
        status_headers = [label for _value, label in statuses] + [_("Total")]

        def status_row(counts) -> list[int]:
            values = [counts.get(value, 0) for value, _label in statuses]
            return [*values, sum(values)]

        def totals(rows, width_before) -> list:
            columns = list(zip(*[r[width_before:] for r in rows], strict=True)) if rows else []
            return [_("Total"), *[""] * (width_before - 1), *[sum(c) for c in columns]]

        level_rows = []
        for area, counts in sorted(_group(by_path, street).items(), key=lambda kv: kv[0].path if kv[0] else ""):
            level_rows.append([area.name if area else "", area.code if area else "", *status_row(counts)])
        sheets.append((_("Population by street"), [_("Street"), _("Code"), *status_headers],
                       level_rows + ([totals(level_rows, 2)] if level_rows else [])))
        level_rows = []
        for area, counts in sorted(_group(by_path, community).items(), key=lambda kv: kv[0].path if kv[0] else ""):
            level_rows.append([*tree.names(street(area.path) if area else None, area), area.code if area else "",
                               *status_row(counts)])
        sheets.append((_("Population by community"), [_("Street"), _("Community"), _("Code"), *status_headers],
                       level_rows + ([totals(level_rows, 3)] if level_rows else [])))
        level_rows = []
        for path in sorted(by_path):
            own = tree.own(path)
            level_rows.append([*tree.names(street(path), community(path), own), own.code if own else "",
                               *status_row(by_path[path])])
        sheets.append((_("Population by grid"), [_("Street"), _("Community"), _("Grid"), _("Code"),
                                                 *status_headers],
                       level_rows + ([totals(level_rows, 4)] if level_rows else [])))

        # special groups per community
        if scope.can("registry.sensitive"):
            level_rows = []
            for area, counts in sorted(_group(tag_counts, community).items(),
                                       key=lambda kv: kv[0].path if kv[0] else ""):
                values = [counts.get(k, 0) for k, _label in kinds]
                level_rows.append([*tree.names(street(area.path) if area else None, area), *values, sum(values)])
            sheets.append((_("Special groups by community"),
                           [_("Street"), _("Community"), *[label for _k, label in kinds], _("Total")],
                           level_rows + ([totals(level_rows, 2)] if level_rows else [])))

        # households per grid
        level_rows = []
        for path in sorted(households):
            own = tree.own(path)
            level_rows.append([*tree.names(street(path), community(path), own), own.code if own else "",
                               households[path]])
        sheets.append((_("Households by grid"), [_("Street"), _("Community"), _("Grid"), _("Code"), _("Households")],
                       level_rows + ([totals(level_rows, 4)] if level_rows else [])))

        # grid sizing: each grid with everything below it, against the guideline
        by_grid_path = {g.path: g for g in grids}
        rolled = {g.pk: [0, 0] for g in grids}
        for grid in grids:
            counts = sizing.get(grid.pk)
            if not counts:
                continue
            for ancestor_path in _ancestor_paths(grid.path):
                above = by_grid_path.get(ancestor_path)
                if above is not None:
                    rolled[above.pk][0] += counts[0]
                    rolled[above.pk][1] += counts[1]
        level_rows = []
        for grid in grids:
            if grid.level != "grid":
                continue
            hh, residents = rolled[grid.pk]
            if hh > SPLIT_HOUSEHOLDS or residents > SPLIT_PEOPLE:
                flag = _("Too large: consider splitting")
            elif hh < MERGE_HOUSEHOLDS and residents < MERGE_PEOPLE:
                flag = _("Too small: consider merging")
            else:
                flag = _("Within the guideline")
            level_rows.append([*tree.names(street(grid.path), community(grid.path), grid), grid.code, hh, residents,
                               GUIDE_HOUSEHOLDS, f"{GUIDE_PEOPLE[0]}–{GUIDE_PEOPLE[1]}", flag])
        sheets.append((_("Grid sizing"), [_("Street"), _("Community"), _("Grid"), _("Code"), _("Households"),
                                          _("Number of residents"), _("Guideline households"), _("Guideline residents"),
                                          _("Assessment")], level_rows))

        # organizations by kind per community
        level_rows = []
        for area, counts in sorted(_group(organizations, community).items(),
                                   key=lambda kv: kv[0].path if kv[0] else ""):
            values = [counts.get(k, 0) for k, _label in organization_kinds]
            level_rows.append([*tree.names(street(area.path) if area else None, area), *values, sum(values)])
        sheets.append((_("Organizations by community"),
                       [_("Street"), _("Community"), *[label for _k, label in organization_kinds], _("Total")],
                       level_rows + ([totals(level_rows, 2)] if level_rows else [])))
    return sheets


def _ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" → ["/1/", "/1/5/", "/1/5/9/"] (the path itself included)."""
    parts = _path_ids(path)
    return ["/" + "/".join(str(p) for p in parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def report_workbook(user, purpose: str) -> tuple[bytes, str, list]:
    """(xlsx bytes, file name, the sheets): the report-once statistics; audited as an export."""
    scope = get_scope(user)
    if not (scope.can("registry.view") or scope.is_superuser):
        raise PermissionDenied(_("You are not allowed to see the registry."))
    with translation.override(LANGUAGE):
        purpose = clean_purpose(purpose)
        sheets = report_data(user)
        mark = watermark(user, purpose)
        workbook = Workbook(write_only=True)
        about = workbook.create_sheet(_("About"))
        about.column_dimensions["A"].width = 100
        for line in (
            _("Registry statistics (report once)"),
            _("Generated from the registry at %(time)s: no figure is typed by hand.") % {"time": _now_text()},
            _("Covers what %(user)s may see: %(areas)s.") % {"user": user.get_username(),
                                                             "areas": _scope_names(user)},
            _("Population counts residents not moved out; special groups count residents with a current tag; "
              "households count the registered households of each grid; grid sizing counts the households and "
              "residents of each grid and the grids below it, against the guideline of about %(households)s "
              "households or %(low)s–%(high)s residents per grid.") % {
                "households": GUIDE_HOUSEHOLDS, "low": GUIDE_PEOPLE[0], "high": GUIDE_PEOPLE[1]},
            mark,
        ):
            about.append([line])
        rows = 0
        for title, headers, data in sheets:
            sheet = workbook.create_sheet(title)
            sheet.freeze_panes = "A3"
            sheet.oddHeader.center.text = mark
            sheet.oddFooter.center.text = mark
            for number in range(1, len(headers) + 1):
                sheet.column_dimensions[get_column_letter(number)].width = 14
            sheet.append([mark])
            sheet.append(headers)
            for row in data:
                sheet.append(row)
            rows += len(data)
        workbook.properties.creator = user.get_username()
        workbook.properties.title = _("Registry statistics (report once)")
        workbook.properties.description = mark
        content = _save(workbook)
        audit_export(user, "report", rows, purpose)
        prefix = _("Registry statistics")
        name = f"{prefix}-{_stamp()}.xlsx"
    return content, name, sheets


def _scope_names(user) -> str:
    scope = get_scope(user)
    if scope.is_superuser:
        return _("everything")
    paths = scope.paths_for("registry.view")
    ids = [_path_ids(p)[-1] for p in paths if _path_ids(p)]
    names = [a.name for a in Area.objects.filter(pk__in=ids).order_by("path")]
    return "、".join(names) or "—"
