from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cases.access import access_case, allowed_actions


@login_required
def case_detail(request, pk):
    case = access_case(request.user, pk)
    return render(request, "cases/detail.html", {"case": case, "actions": allowed_actions(request.user, case)})
