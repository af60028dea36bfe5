from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from areas.access import access_area, access_department


@login_required
def map_page(request):
    return render(request, "areas/map.html", {})


@login_required
def area_detail(request, pk):
    area = access_area(request.user, pk)
    return render(request, "areas/detail.html", {"area": area})


@login_required
def department_detail(request, pk):
    department = access_department(request.user, pk)
    return render(request, "areas/department.html", {"department": department})
