"""Every page URL walked as every persona, and the write paths of the area, staff and role pages."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import RoleAssignment
from areas.models import Area, StaffAssignment
from core.models import AuditLog
from web.tests.tree import PASSWORD, PERSONAS, square

D_TREE = ["district", "street_a", "street_b", "community_a", "community_b", "grid_a1", "grid_a2", "grid_b1"]
ALL_AREAS = [*D_TREE, "district_z", "street_z"]

# Which areas each persona sees; the roles' capabilities within them.
VISIBLE = {
    "command": set(D_TREE),
    "admin": set(D_TREE),
    "street_a": {"street_a", "community_a", "grid_a1", "grid_a2"},
    "worker_a1": {"grid_a1"},
    "worker_b1": {"grid_b1"},
    "handler": {"street_b", "community_b", "grid_b1"},
    "outsider": set(),
}
AREA_CHANGE = {"admin": set(D_TREE)}
STAFF_CHANGE = {"command": set(D_TREE), "admin": set(D_TREE),
                "street_a": {"street_a", "community_a", "grid_a1", "grid_a2"}}


def by_scope(area: str, capable: dict[str, set[str]]):
    """200 with the capability on the area, 403 if the area is only visible, else 404."""
    def expected(persona):
        if area in capable.get(persona, set()):
            return 200
        return 403 if area in VISIBLE[persona] else 404
    return expected


def visible(area: str):
    return lambda persona: 200 if area in VISIBLE[persona] else 404


def only(statuses: dict[str, int], default: int):
    return lambda persona: statuses.get(persona, default)


def everyone(persona):
    return 200


def page_table(tree) -> list[tuple[str, object]]:
    """(url, expected status per persona) for every page and endpoint of the web UI."""
    a = tree.areas
    rows: list[tuple[str, object]] = [
        (reverse("home"), everyone),
        (reverse("areas:map"), everyone),
        (reverse("areas:roots-geojson"), everyone),
        (reverse("areas:force-list"), everyone),
        (reverse("areas:departments"), everyone),
        (reverse("roles"), everyone),
        (reverse("areas:import"), only({"admin": 200}, 403)),
        (reverse("audit"), only({"admin": 200, "command": 200}, 404)),
        (reverse("role-grant"), only({"admin": 200}, 403)),
        (reverse("user-search") + "?q=w", only({"admin": 200, "command": 200, "street_a": 200}, 403)),
        # a street's department serves the grids below it: their workers see it too
        (reverse("areas:department", args=[tree.department.pk]),
         only({"admin": 200, "command": 200, "handler": 200, "worker_b1": 200}, 404)),
        (reverse("role-revoke", args=[tree.role_a1.pk]),
         only({"admin": 200, "command": 403, "street_a": 403, "worker_a1": 403}, 404)),
        (reverse("areas:staff-end", args=[tree.assignment.pk]), by_scope("grid_a1", STAFF_CHANGE)),
    ]
    for name in ALL_AREAS:
        pk = a[name].pk
        rows += [
            (reverse("areas:detail", args=[pk]), visible(name)),
            (reverse("areas:children-geojson", args=[pk]), visible(name)),
            (reverse("areas:export", args=[pk]), visible(name)),
            (reverse("areas:map") + f"?area={pk}", visible(name)),
            (reverse("areas:force-list") + f"?area={pk}", visible(name)),
            (reverse("areas:edit", args=[pk]), by_scope(name, AREA_CHANGE)),
            (reverse("areas:add-child", args=[pk]), by_scope(name, AREA_CHANGE)),
            (reverse("areas:delete", args=[pk]), by_scope(name, AREA_CHANGE)),
        ]
    for name in ["grid_a1", "grid_a2", "grid_b1"]:
        rows.append((reverse("areas:staff-assign", args=[a[name].pk]), by_scope(name, STAFF_CHANGE)))
    for name in ["street_a", "community_b"]:  # staff are assigned to grids only
        rows.append((reverse("areas:staff-assign", args=[a[name].pk]), only({}, 404)))
    rows.append(("/areas/999999/", only({}, 404)))
    return rows


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_walks_every_page_as_every_persona(persona, tree, login):
    client = login(persona)
    wrong = []
    for url, expected in page_table(tree):
        status = client.get(url).status_code
        if status != expected(persona):
            wrong.append(f"{url}: got {status}, expected {expected(persona)}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


def test_it_sends_anonymous_users_to_login(tree, client):
    for url, _expected in page_table(tree):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_renders_the_404_and_403_pages_in_chinese(tree, login):
    client = login("worker_a1")
    response = client.get(reverse("areas:detail", args=[tree.grid_b1.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    response = client.get(reverse("areas:edit", args=[tree.grid_a1.pk]))
    assert response.status_code == 403
    assert "无权" in response.content.decode()


# --- content of the pages and endpoints ------------------------------------------------------


def features(response):
    return json.loads(response.content)


def test_children_geojson_holds_only_the_children_with_their_properties(tree, login):
    client = login("street_a")
    data = features(client.get(reverse("areas:children-geojson", args=[tree.street_a.pk])))
    assert [f["properties"]["name"] for f in data["features"]] == ["幸福社区"]
    props = data["features"][0]["properties"]
    assert props["id"] == tree.community_a.pk and props["code"] == tree.community_a.code
    assert props["level"] == "community" and props["level_label"] == "社区"
    assert props["url"] == tree.community_a.get_absolute_url()
    assert props["child_count"] == 2
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    assert data["parent"]["properties"]["id"] == tree.street_a.pk
    # the district above the street is not in the street officer's breadcrumb
    assert [c["name"] for c in data["breadcrumb"]] == ["东风街道"]


def test_a_grid_worker_sees_the_grid_itself_on_the_map(tree, login):
    client = login("worker_a1")
    roots = features(client.get(reverse("areas:roots-geojson")))
    assert [f["properties"]["id"] for f in roots["features"]] == [tree.grid_a1.pk]
    assert roots["features"][0]["properties"]["child_count"] == 0
    data = features(client.get(reverse("areas:children-geojson", args=[tree.grid_a1.pk])))
    assert data["features"] == []
    assert data["parent"]["geometry"]["type"] == "Polygon"


def test_export_holds_the_subtree_the_user_sees(tree, login):
    client = login("street_a")
    response = client.get(reverse("areas:export", args=[tree.street_a.pk]))
    assert "attachment" in response["Content-Disposition"]
    codes = {f["properties"]["code"] for f in features(response)["features"]}
    assert codes == {tree.street_a.code, tree.community_a.code, tree.grid_a1.code, tree.grid_a2.code}


def test_area_page_links_only_visible_ancestors(tree, login):
    client = login("worker_a1")
    html = client.get(reverse("areas:detail", args=[tree.grid_a1.pk])).content.decode()
    assert "幸福社区" in html and "东风街道" in html
    assert f'href="/areas/{tree.community_a.pk}/"' not in html
    assert f'href="/areas/{tree.street_a.pk}/"' not in html
    assert "张网格" in html  # the active staff
    assert "专职网格员" in html
    assert "李网格" in html  # ended assignment, in the history
    assert "编辑" not in html and "分配人员" not in html  # no edit, no assign buttons
    client = login("street_a")
    html = client.get(reverse("areas:detail", args=[tree.grid_a1.pk])).content.decode()
    assert f'href="/areas/{tree.community_a.pk}/"' in html
    assert f'href="/areas/{tree.district.pk}/"' not in html
    assert reverse("areas:staff-assign", args=[tree.grid_a1.pk]) in html
    assert reverse("areas:edit", args=[tree.grid_a1.pk]) not in html


def test_area_page_shows_children_with_grid_counts(tree, login):
    html = login("command").get(reverse("areas:detail", args=[tree.district.pk])).content.decode()
    assert "东风街道" in html and "西湖街道" in html and "邻区" not in html
    assert reverse("areas:edit", args=[tree.district.pk]) not in html  # command may not edit the tree


def test_home_lists_roots_and_counts(tree, login):
    html = login("command").get(reverse("home")).content.decode()
    assert "示范区" in html and "区指挥中心" in html
    html = login("worker_a1").get(reverse("home")).content.decode()
    assert "幸福社区第一网格" in html and "示范区" not in html
    html = login("outsider").get(reverse("home")).content.decode()
    assert "尚未分配" in html


def test_force_list_counts_duties_and_roles(tree, login):
    response = login("street_a").get(reverse("areas:force-list"))
    rows = {row["area"].name: row for row in response.context["page_obj"]}
    assert set(rows) == {"东风街道", "幸福社区", "幸福社区第一网格", "幸福社区第二网格"}
    assert rows["幸福社区第一网格"]["direct"]["duty:full_time_worker"] == 1
    assert rows["东风街道"]["total"]["duty:full_time_worker"] == 1
    assert rows["东风街道"]["direct"]["role:street_officer"] == 1
    assert rows["东风街道"]["total"]["role:grid_worker"] == 1


def test_force_list_counts_the_grid_chief_duty_and_role_apart(cast, client):
    from areas.actions import assign_staff
    from areas.selectors import force_list

    assign_staff(None, user=cast.worker_a11, area=cast.grid_a11, duty="grid_chief")
    rows = {row["area"].code: row for row in force_list(cast.command, cast.district)}
    grid = rows[cast.grid_a11.code]
    assert grid["direct"]["duty:grid_chief"] == 1  # worker_a11 holds the duty
    assert grid["direct"]["role:grid_chief"] == 1  # chief_a11 holds the role
    assert rows[cast.district.code]["total"]["duty:grid_chief"] == 1
    assert rows[cast.district.code]["total"]["role:grid_worker"] == 2


def test_audit_log_shows_only_the_users_district(tree, login, django_user_model):
    html = login("command").get(reverse("audit")).content.decode()
    assert "东风街道" in html
    assert "邻区" not in html  # district 410103's entries
    filtered = login("command").get(reverse("audit") + "?action=role.grant&actor=system").content.decode()
    assert "授予角色" in filtered
    superuser = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = login(None)
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    assert "邻区" in client.get(reverse("audit") + "?page=1").content.decode()


def test_departments_list_and_page(tree, login):
    html = login("handler").get(reverse("areas:departments")).content.decode()
    assert "西湖街道城管中队" in html
    html = login("handler").get(reverse("areas:department", args=[tree.department.pk])).content.decode()
    assert "城管王" in html
    html = login("street_a").get(reverse("areas:departments")).content.decode()
    assert "西湖街道城管中队" not in html and "暂无部门" in html


def test_roles_page_lists_roles_in_scope(tree, login):
    html = login("street_a").get(reverse("roles")).content.decode()
    assert "张网格" in html and "李网格" not in html
    assert reverse("role-revoke", args=[tree.role_a1.pk]) not in html
    html = login("admin").get(reverse("roles")).content.decode()
    assert reverse("role-revoke", args=[tree.role_a1.pk]) in html


def test_user_search_offers_matching_users(tree, login):
    html = login("street_a").get(reverse("user-search") + "?q=worker").content.decode()
    assert 'value="worker_a1"' in html and 'value="worker_b1"' in html
    html = login("street_a").get(reverse("user-search") + "?user=张").content.decode()
    assert 'value="worker_a1"' in html and "worker_b1" not in html


def test_list_pages_have_bounded_query_counts(tree, login, django_assert_max_num_queries):
    client = login("admin")
    for url in [reverse("areas:detail", args=[tree.community_a.pk]), reverse("areas:force-list"),
                reverse("areas:departments"), reverse("roles"), reverse("audit"), reverse("home"),
                reverse("areas:children-geojson", args=[tree.district.pk])]:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


# --- writes ----------------------------------------------------------------------------------


def edit_data(area, **overrides):
    data = {"name": area.name, "code": area.code, "households": area.households or "",
            "boundary": json.dumps(area.boundary) if area.boundary else ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona,status", [("street_a", 403), ("command", 403), ("worker_a1", 403), ("worker_b1", 404)])
def test_a_non_admin_cannot_post_an_edit(persona, status, tree, login):
    client = login(persona)
    before = AuditLog.objects.count()
    response = client.post(reverse("areas:edit", args=[tree.grid_a1.pk]), edit_data(tree.grid_a1, name="改名"))
    assert response.status_code == status
    response = client.post(reverse("areas:add-child", args=[tree.grid_a1.pk]), {"name": "新", "level": "cell"})
    assert response.status_code == status
    response = client.post(reverse("areas:delete", args=[tree.grid_a1.pk]))
    assert response.status_code == status
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.name == "幸福社区第一网格"
    assert Area.objects.filter(parent=tree.grid_a1).count() == 0
    assert AuditLog.objects.count() == before


def test_a_grid_worker_cannot_assign_or_end_staff(tree, login):
    client = login("worker_a1")
    response = client.post(reverse("areas:staff-assign", args=[tree.grid_a1.pk]),
                           {"user": "outsider", "duty": "full_time_worker", "starts_on": "2025-01-01"})
    assert response.status_code == 403
    assert client.post(reverse("areas:staff-end", args=[tree.assignment.pk])).status_code == 403
    assert login("worker_b1").post(reverse("areas:staff-end", args=[tree.assignment.pk])).status_code == 404
    tree.assignment.refresh_from_db()
    assert tree.assignment.ends_on is None


def test_admin_edits_an_area(tree, login):
    client = login("admin")
    response = client.post(reverse("areas:edit", args=[tree.grid_a1.pk]),
                           edit_data(tree.grid_a1, name="幸福一网格", households="320"))
    assert response.status_code == 302
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.name == "幸福一网格" and tree.grid_a1.households == 320
    assert AuditLog.objects.filter(action="area.update", object_id=str(tree.grid_a1.pk)).exists()


def test_invalid_geojson_shows_a_chinese_error_and_saves_nothing(tree, login):
    client = login("admin")
    old_boundary = tree.grid_a1.boundary
    response = client.post(reverse("areas:edit", args=[tree.grid_a1.pk]),
                           edit_data(tree.grid_a1, name="不应保存", boundary='{"type": "Polygon", "coordinates": [[[1, 2]'))
    assert response.status_code == 200
    html = response.content.decode()
    assert "边界不是有效的 JSON" in html
    assert 'value="不应保存"' in html  # the user's input is kept
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.name == "幸福社区第一网格" and tree.grid_a1.boundary == old_boundary


def test_a_boundary_outside_the_parent_is_refused(tree, login):
    client = login("admin")
    upload = SimpleUploadedFile("b.geojson", json.dumps(square(115.0, 36.0, 115.1, 36.1)).encode(),
                                content_type="application/geo+json")
    data = edit_data(tree.grid_a1, name="不应保存")
    data["boundary_file"] = upload
    response = client.post(reverse("areas:edit", args=[tree.grid_a1.pk]), data)
    assert response.status_code == 200
    assert "超出上级区域幸福社区" in response.content.decode()
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.name == "幸福社区第一网格"


def test_admin_adds_a_child_area_and_sees_overlap_errors(tree, login):
    client = login("admin")
    url = reverse("areas:add-child", args=[tree.community_a.pk])
    response = client.post(url, {"name": "重叠网格", "level": "grid",
                                 "boundary": json.dumps(square(114.05, 35.6, 114.15, 35.7))})
    assert response.status_code == 200
    assert "与相邻区域" in response.content.decode() and 'value="重叠网格"' in response.content.decode()
    assert not Area.objects.filter(name="重叠网格").exists()
    response = client.post(url, {"name": "第三网格", "level": "grid",
                                 "boundary": json.dumps(square(114.0, 35.7, 114.1, 35.8))})
    assert response.status_code == 302
    child = Area.objects.get(name="第三网格")
    assert child.parent_id == tree.community_a.pk and child.code.startswith(tree.community_a.code)


def test_admin_deletes_an_area_after_confirming(tree, login):
    client = login("admin")
    response = client.get(reverse("areas:delete", args=[tree.grid_a2.pk]))
    assert response.status_code == 200 and "确定删除" in response.content.decode()
    response = client.post(reverse("areas:delete", args=[tree.community_a.pk]))
    assert response.status_code == 200 and "仍有下级区域" in response.content.decode()
    assert Area.objects.filter(pk=tree.community_a.pk).exists()
    response = client.post(reverse("areas:delete", args=[tree.grid_a2.pk]))
    assert response.status_code == 302 and response["Location"] == tree.community_a.get_absolute_url()
    assert not Area.objects.filter(pk=tree.grid_a2.pk).exists()


def test_street_officer_assigns_and_ends_staff(tree, login):
    client = login("street_a")
    url = reverse("areas:staff-assign", args=[tree.grid_a1.pk])
    response = client.post(url, {"user": "nobody", "duty": "grid_chief", "starts_on": "2025-01-01"})
    assert response.status_code == 200 and "nobody" in response.content.decode()
    response = client.post(url, {"user": "outsider", "duty": "grid_chief", "starts_on": "2025-01-01"})
    assert response.status_code == 302
    assignment = StaffAssignment.objects.get(user__username="outsider", area=tree.grid_a1)
    response = client.post(url, {"user": "worker_a1", "duty": "grid_chief", "starts_on": "2025-02-01"})
    assert response.status_code == 200 and "已有网格长" in response.content.decode()
    response = client.get(reverse("areas:staff-end", args=[assignment.pk]))
    assert response.status_code == 200
    response = client.post(reverse("areas:staff-end", args=[assignment.pk]), {"ends_on": ""})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on is not None


def geojson_upload(*features):
    payload = {"type": "FeatureCollection", "features": list(features)}
    return SimpleUploadedFile("areas.geojson", json.dumps(payload, ensure_ascii=False).encode(),
                              content_type="application/geo+json")


def test_import_creates_and_updates_all_or_nothing(tree, login):
    client = login("admin")
    url = reverse("areas:import")
    update = {"type": "Feature", "geometry": square(114.2, 35.6, 114.3, 35.7),
              "properties": {"code": tree.grid_b1.code, "name": "和平一网格"}}
    bad_new = {"type": "Feature", "geometry": square(116.0, 35.6, 116.1, 35.7),
               "properties": {"code": tree.community_b.code + "009", "name": "界外网格", "level": "grid",
                              "parent_code": tree.community_b.code}}
    response = client.post(url, {"root": tree.district.pk, "file": geojson_upload(update, bad_new)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 2 个要素" in html and "超出上级区域" in html
    tree.grid_b1.refresh_from_db()
    assert tree.grid_b1.name == "和平社区第一网格"  # nothing half-saved
    good_new = {**bad_new, "geometry": square(114.3, 35.6, 114.4, 35.7)}
    good_new["properties"] = {**bad_new["properties"], "name": "和平二网格"}
    response = client.post(url, {"root": tree.district.pk, "file": geojson_upload(update, good_new)}, follow=True)
    assert "新增 1，更新 1" in response.content.decode()
    tree.grid_b1.refresh_from_db()
    assert tree.grid_b1.name == "和平一网格"
    assert Area.objects.filter(name="和平二网格", parent=tree.community_b).exists()


def test_import_refuses_a_file_that_is_not_a_feature_collection(tree, login):
    response = login("admin").post(reverse("areas:import"), {
        "root": tree.district.pk,
        "file": SimpleUploadedFile("x.geojson", b'{"type": "Polygon"}', content_type="application/json")})
    assert response.status_code == 200
    assert "FeatureCollection" in response.content.decode()


def test_admin_grants_and_revokes_a_role(tree, login):
    client = login("admin")
    url = reverse("role-grant")
    response = client.post(url, {"user": "outsider", "role": "grid_worker", "area_code": "410103"})
    assert response.status_code == 200 and "410103" in response.content.decode()  # not among admin's areas
    response = client.post(url, {"user": "outsider", "role": "grid_worker", "area_code": tree.street_b.code})
    assert response.status_code == 200 and "必须绑定到" in response.content.decode()
    response = client.post(url, {"user": "outsider", "role": "grid_worker", "area_code": tree.grid_b1.code})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="outsider")
    assert assignment.area_id == tree.grid_b1.pk
    response = client.post(url, {"user": "outsider", "role": "department_handler", "department": tree.department.pk})
    assert response.status_code == 302
    response = client.get(reverse("role-revoke", args=[assignment.pk]))
    assert response.status_code == 200
    response = client.post(reverse("role-revoke", args=[assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on is not None
    assert login("command").post(reverse("role-revoke", args=[tree.role_a1.pk])).status_code == 403
    tree.role_a1.refresh_from_db()
    assert tree.role_a1.ends_on is None


# --- login, logout, language ------------------------------------------------------------------


def test_login_page_and_wrong_password(tree, client):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and "登录" in response.content.decode()
    response = client.post(reverse("login"), {"username": "street_a", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    response = client.post(reverse("login"), {"username": "street_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_repeated_failures_show_the_locked_page(tree, client):
    statuses = [client.post(reverse("login"), {"username": "street_a", "password": "nope"}).status_code
                for _ in range(6)]
    assert statuses[-1] == 403
    response = client.post(reverse("login"), {"username": "street_a", "password": PASSWORD})
    assert response.status_code == 403 and "锁定" in response.content.decode()


def test_logout_is_a_post_button(tree, login):
    client = login("street_a")
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}" method="post"' in html
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_language_switch(tree, login):
    client = login("street_a")
    assert "三级力量清单" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert "Three-level force list" in client.get(reverse("home")).content.decode()


def test_nav_shows_audit_only_with_the_capability(tree, login):
    assert reverse("audit") in login("command").get(reverse("home")).content.decode()
    assert reverse("audit") not in login("street_a").get(reverse("home")).content.decode()
    assert reverse("areas:import") in login("admin").get(reverse("home")).content.decode()
    assert reverse("areas:import") not in login("command").get(reverse("home")).content.decode()


def test_the_500_page_renders_without_a_request_context(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("zh-hans"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()
