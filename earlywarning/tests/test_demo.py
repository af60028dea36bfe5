import pytest

from cases.tests.conftest import loop  # noqa: F401  (fixture)
from earlywarning.models import EarlyWarning

pytestmark = pytest.mark.django_db


def test_the_demo_plants_one_cluster_through_the_intake_and_detects_it(loop):  # noqa: F811
    from earlywarning.demo import load_demo_warnings

    first = load_demo_warnings(loop.district)
    assert first["planted"] == 3 and first["raised"] >= 1
    cluster = EarlyWarning.objects.get(kind="cluster")
    assert cluster.count == 3 and cluster.category.code == "E0101" and cluster.area == loop.grid_a11
    again = load_demo_warnings(loop.district)  # loading twice plants nothing new and raises nothing new
    assert again["planted"] == 0 and again["raised"] == 0
    assert EarlyWarning.objects.count() == first["raised"]
