"""The resident side of the case loop, and the grid QR posters that lead to it.

- /areas/<id>/qr/, qr.png, qr.pdf (staff, logged in): the poster of a grid in the user's scope.
- /r/<grid code>/ (anonymous): report a problem in that grid, from a phone.
- /t/ and /t/<tracking code>/ (anonymous): follow a report with its tracking code, and rate it.

The anonymous pages never show anything about anyone else: no staff or department names, no
notes from the timeline, no photos (they may show people), no other reports. Whoever holds a
tracking code sees only the plain progress of that one report.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from areas.access import access_area
from areas.choices import Level
from areas.models import Area
from cases import actions, posters
from cases.choices import CaseState, Channel
from cases.models import Case, CaseEvent, Category
from core.ratelimit import ratelimit
from web.utils import add_action_errors

MAX_DESCRIPTION = 2000
MAX_PHOTOS = 3
MAX_RATING_COMMENT = 500
IDEMPOTENCY_PREFIX = ""  # report_case scopes keys by submitter and channel
CODE_RE = re.compile(r"^[A-Z0-9]{6,12}$")
NO_STORE = "private, no-store"


# --- links -----------------------------------------------------------------------------------


def public_url(request, path: str) -> str:
    """The absolute address of a public page: PUBLIC_BASE_URL (scheme and host, e.g.
    "https://wg.example.gov.cn") when set, else the host of the current request."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").strip().rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path)


def report_url(request, grid: Area) -> str:
    """What the grid's QR code encodes: the resident report page of the grid."""
    return public_url(request, reverse("public:report", args=[grid.code]))


def tracking_url(request, tracking_code: str) -> str:
    return public_url(request, reverse("public:track", args=[tracking_code]))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex, nofollow"
    # not "no-referrer": browsers would then send "Origin: null" with the form, which fails CSRF
    response["Referrer-Policy"] = "same-origin"
    return response


def _not_found(request, message: str) -> HttpResponse:
    return _no_store(render(request, "cases/public/not_found.html", {"message": message}, status=404))


# --- the poster (staff) ----------------------------------------------------------------------


def _poster_grid(request, pk) -> Area:
    grid = access_area(request.user, pk)
    if grid.level != Level.GRID:
        raise Http404
    return grid


def _file_response(content: bytes, content_type: str, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def grid_qr_page(request, pk):
    grid = _poster_grid(request, pk)
    return render(request, "cases/public/qr_poster.html", {
        "area": grid,
        "report_url": report_url(request, grid),
        "png_url": reverse("public:grid-qr-png", args=[grid.pk]),
        "pdf_url": reverse("public:grid-qr-pdf", args=[grid.pk]),
    })


@login_required
@require_GET
def grid_qr_png(request, pk):
    grid = _poster_grid(request, pk)
    image = posters.grid_poster(grid, report_url(request, grid))
    return _file_response(posters.to_png(image), "image/png", f"qr-{grid.code}.png", bool(request.GET.get("download")))


@login_required
@require_GET
def grid_qr_pdf(request, pk):
    grid = _poster_grid(request, pk)
    image = posters.grid_poster(grid, report_url(request, grid))
    return _file_response(posters.to_pdf(image), "application/pdf", f"qr-{grid.code}.pdf",
                          bool(request.GET.get("download")))


# --- reporting (anonymous) -------------------------------------------------------------------


def category_choices() -> list:
    """Active minor categories grouped by their major category, in catalog order."""
    groups: dict[int, tuple[str, list]] = {}
    minors = (Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
              .select_related("parent").order_by("parent__sort", "parent__code", "sort", "code"))
    for minor in minors:
        groups.setdefault(minor.parent_id, (minor.parent.name, []))[1].append((minor.code, minor.name))
    return [("", _("Choose…"))] + [(name, options) for name, options in groups.values()]


class ResidentReportForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Kind of problem"))
    description = forms.CharField(
        label=gettext_lazy("What is the problem, and where exactly?"), max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": gettext_lazy("Please describe the problem."),
            "max_length": gettext_lazy("The description may be at most %(limit_value)d characters long "
                                       "(it has %(show_value)d); please shorten it."),
        },
    )
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=gettext_lazy("Your phone"), required=False, max_length=20,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def _coordinate(self, name: str):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value or len(value) > 32:
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None

    def clean_lon(self):
        return self._coordinate("lon")

    def clean_lat(self):
        return self._coordinate("lat")

    def clean_idempotency_key(self):
        """Only keys this page made (UUIDs) are used, and in a namespace of their own: a key from
        another channel can never return someone else's case."""
        try:
            return IDEMPOTENCY_PREFIX + uuid.UUID((self.cleaned_data.get("idempotency_key") or "").strip()[:40]).hex
        except ValueError:
            return ""

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:  # half a location is no location
            data["lon"] = data["lat"] = None
        return data


def _public_grid(code: str) -> Area | None:
    code = (code or "").strip()
    if not code or len(code) > 24:
        return None
    return Area.objects.filter(code=code, level=Level.GRID).select_related("parent").first()


def _place(grid: Area) -> str:
    names = [a.name for a in grid.ancestors() if a.level in (Level.STREET, Level.COMMUNITY)]
    return " · ".join(names)


@require_http_methods(["GET", "POST"])
@ratelimit("public-report", methods=("POST",))
def report(request, grid_code):
    grid = _public_grid(grid_code)
    if grid is None:
        return _not_found(request, _("This QR code does not belong to any grid (it may have been replaced). "
                                     "Please scan the code posted in your grid again."))
    photos_dropped = False
    if request.method == "POST":
        form = ResidentReportForm(request.POST)
        photos = request.FILES.getlist("photos")
        valid = form.is_valid()
        if len(photos) > MAX_PHOTOS:
            form.add_error(None, _("Attach at most %(count)d photos.") % {"count": MAX_PHOTOS})
            valid = False
        if valid:
            data = form.cleaned_data
            try:
                case, created = actions.report_case(
                    None, channel=Channel.RESIDENT_QR, grid=grid, category_code=data["category"],
                    description=data["description"], lon=data["lon"], lat=data["lat"],
                    reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"], photos=photos,
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                if hasattr(exc, "error_dict") and "lon" in exc.error_dict:
                    # a location outside the grid: the next try goes without it (the grid's centre)
                    form.data = form.data.copy()
                    form.data["lon"] = form.data["lat"] = ""
            else:
                return _no_store(render(request, "cases/public/report_done.html", {
                    "grid": grid, "case": case, "created": created,
                    "tracking_url": tracking_url(request, case.tracking_code),
                    "tracking_path": reverse("public:track", args=[case.tracking_code]),
                }))
        photos_dropped = bool(photos)
        if not form.data.get("idempotency_key") or not form.cleaned_data.get("idempotency_key"):
            form.data = form.data.copy()
            form.data["idempotency_key"] = str(uuid.uuid4())
    else:
        form = ResidentReportForm(initial={"idempotency_key": str(uuid.uuid4())})
    return _no_store(render(request, "cases/public/report.html", {
        "grid": grid, "place": _place(grid), "form": form, "photos_dropped": photos_dropped,
        "max_photos": MAX_PHOTOS, "max_description": MAX_DESCRIPTION,
    }))


# --- tracking and rating (anonymous) ---------------------------------------------------------

# The progress line, and where each state stands on it.
STEPS = [
    gettext_lazy("Received"),
    gettext_lazy("Taken in"),
    gettext_lazy("Case opened"),
    gettext_lazy("Being handled"),
    gettext_lazy("Being checked"),
    gettext_lazy("Done"),
]
STEP_OF_STATE = {
    CaseState.REPORTED: 0, CaseState.ACCEPTED: 1, CaseState.FILED: 2, CaseState.DISPATCHED: 3,
    CaseState.HANDLING: 3, CaseState.VERIFYING: 4, CaseState.CLOSED: 5,
}
STATE_WORDS = {
    CaseState.REPORTED: gettext_lazy("Received, waiting to be taken in"),
    CaseState.ACCEPTED: gettext_lazy("Taken in, being looked into"),
    CaseState.FILED: gettext_lazy("Case opened, about to be sent to the responsible department"),
    CaseState.DISPATCHED: gettext_lazy("Sent to the responsible department"),
    CaseState.HANDLING: gettext_lazy("Being handled by the responsible department"),
    CaseState.VERIFYING: gettext_lazy("Handled; being checked on site"),
    CaseState.CLOSED: gettext_lazy("Done"),
    CaseState.DECLINED: gettext_lazy("Not taken up as a case"),
    CaseState.SUSPENDED: gettext_lazy("On hold for now; it will be looked at again"),
    CaseState.VOIDED: gettext_lazy("Closed as invalid"),
    CaseState.MERGED: gettext_lazy("Handled together with a report of the same problem"),
}
# What each public timeline step says: plain words, never who did it or their notes.
EVENT_WORDS = {
    "report": gettext_lazy("The problem was reported."),
    "self_resolve": gettext_lazy("A grid worker solved the problem on the spot."),
    "accept": gettext_lazy("The report was taken in."),
    "decline": gettext_lazy("The report was not taken up as a case."),
    "file": gettext_lazy("A case was opened."),
    "resolve": gettext_lazy("The problem was dealt with and the case closed."),
    "escalate": gettext_lazy("Passed up to a higher level for coordination."),
    "merge": gettext_lazy("Merged with a report of the same problem."),
    "dispatch": gettext_lazy("Sent to the responsible department."),
    "accept_task": gettext_lazy("The responsible department has taken on the work."),
    "return_task": gettext_lazy("Being sent on to the right department."),
    "report_back": gettext_lazy("The responsible department reported the work done."),
    "verify_pass": gettext_lazy("Checked on site: solved. The case is closed."),
    "verify_fail": gettext_lazy("Checked on site: not solved yet; the work goes on."),
    "suspend": gettext_lazy("Put on hold for now; it will be looked at again."),
    "resume": gettext_lazy("Work resumed."),
    "void": gettext_lazy("Closed as invalid."),
    "reopen": gettext_lazy("The case was reopened."),
}
RATING_CHOICES = [
    (5, gettext_lazy("Very satisfied")),
    (4, gettext_lazy("Satisfied")),
    (3, gettext_lazy("Acceptable")),
    (2, gettext_lazy("Dissatisfied")),
    (1, gettext_lazy("Very dissatisfied")),
]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=gettext_lazy("How was it handled?"), choices=RATING_CHOICES, coerce=int,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": gettext_lazy("Choose a rating from 1 to 5.")})
    comment = forms.CharField(label=gettext_lazy("Anything to add? (optional)"), required=False,
                              max_length=MAX_RATING_COMMENT, widget=forms.Textarea(attrs={"rows": 3}))


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def _find_case(code: str) -> Case | None:
    code = normalize_code(code)
    if not CODE_RE.match(code):
        return None
    return Case.objects.filter(tracking_code=code).select_related("category").first()


def _followed(case: Case) -> Case:
    """The case a merged report follows (merges may chain; a loop is cut)."""
    seen = {case.pk}
    while case.merged_into_id and case.merged_into_id not in seen:
        seen.add(case.merged_into_id)
        case = Case.objects.select_related("category").get(pk=case.merged_into_id)
    return case


def can_rate(case: Case) -> bool:
    """As cases.actions.rate decides: a closed case, not rated yet, or rated (badly) before it was
    reopened and closed again."""
    if case.state != CaseState.CLOSED:
        return False
    if case.rating is None:
        return True
    return bool(case.rating_reopened and case.rated_at and case.closed_at and case.rated_at < case.closed_at)


def _event_text(event: CaseEvent) -> str:
    if event.action == "rate":
        rating = (event.data or {}).get("rating")
        if (event.data or {}).get("reopened"):
            return _("Rated as dissatisfied: the case was reopened.")
        if isinstance(rating, int):
            return _("Rated %(rating)d of 5.") % {"rating": rating}
        return _("Rated.")
    text = EVENT_WORDS.get(event.action)
    return str(text) if text is not None else _("Progress update.")


def public_timeline(case: Case) -> list[dict]:
    events = CaseEvent.objects.filter(case=case, public=True).order_by("created_at", "id").only(
        "action", "data", "created_at")
    return [{"time": e.created_at, "text": _event_text(e)} for e in events]


def progress(case: Case) -> list[dict] | None:
    state = case.state
    if state == CaseState.SUSPENDED:
        state = case.state_before_suspension or CaseState.FILED
    at = STEP_OF_STATE.get(state)
    if at is None:
        return None
    return [{"label": label, "done": i < at or (i == at and at == len(STEPS) - 1), "current": i == at}
            for i, label in enumerate(STEPS)]


@require_http_methods(["GET", "POST"])
@ratelimit("public-track")
def track(request, code):
    case = _find_case(code)
    if case is None:
        return _not_found(request, _("No report has this tracking code. Check the code and try again."))
    if normalize_code(code) != code:
        return redirect("public:track", case.tracking_code)
    shown = _followed(case)
    rating_form = RatingForm()
    if request.method == "POST":
        rating_form = RatingForm(request.POST)
        if rating_form.is_valid():
            try:
                rated = actions.rate(case.tracking_code, rating=rating_form.cleaned_data["rating"],
                                     comment=rating_form.cleaned_data["comment"])
            except ValidationError as exc:
                add_action_errors(rating_form, exc)
            else:
                if rated.state != CaseState.CLOSED:
                    messages.success(request, _("Thank you for your rating. As you were not satisfied, the "
                                                "problem will be handled again."))
                else:
                    messages.success(request, _("Thank you for your rating."))
                return redirect("public:track", case.tracking_code)
        shown.refresh_from_db()
    reopened_by_rating = (shown.rating_reopened and shown.state != CaseState.CLOSED and shown.rating is not None
                          and shown.rating <= 2)
    response = render(request, "cases/public/track.html", {
        "case": case,
        "shown": shown,
        "merged": shown.pk != case.pk,
        "state_words": STATE_WORDS.get(shown.state, shown.get_state_display()),
        "steps": progress(shown),
        "timeline": public_timeline(shown),
        "can_rate": can_rate(shown),
        "rating_form": rating_form,
        "rating_stars": range(shown.rating or 0),
        "reopened_by_rating": reopened_by_rating,
        "tracking_url": tracking_url(request, case.tracking_code),
    })
    return _no_store(response)


@require_GET
def track_lookup(request):
    """/t/: type a tracking code (/t/?code=…) to reach its page."""
    raw = request.GET.get("code")
    error = ""
    if raw is not None:
        code = normalize_code(raw[:40])
        if CODE_RE.match(code):
            return redirect("public:track", code)
        error = _("A tracking code has 10 letters and digits, e.g. 7KQ2M9XH4P.")
    return _no_store(render(request, "cases/public/track_lookup.html", {"error": error, "code": (raw or "")[:40]}))
