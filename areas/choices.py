from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street/Township")
    COMMUNITY = "community", _("Community/Village")
    GRID = "grid", _("Grid")
    CELL = "cell", _("Cell grid")


LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID, Level.CELL]

# Which parent level each level may hang under. Grids may nest (level-1/2/3 grids) up to the
# depth the district configures; cells hang under the finest grid.
ALLOWED_PARENT_LEVELS = {
    Level.DISTRICT: (),
    Level.STREET: (Level.DISTRICT,),
    Level.COMMUNITY: (Level.STREET,),
    Level.GRID: (Level.COMMUNITY, Level.GRID),
    Level.CELL: (Level.GRID, Level.CELL),
}

LEVEL_COLORS = {
    Level.DISTRICT: "#1f4e79",
    Level.STREET: "#c0392b",
    Level.COMMUNITY: "#d68910",
    Level.GRID: "#1e8449",
    Level.CELL: "#7d3c98",
}


class Duty(models.TextChoices):
    GRID_CHIEF = "grid_chief", _("Grid chief")
    FULL_TIME_WORKER = "full_time_worker", _("Full-time grid worker")
    PART_TIME_WORKER = "part_time_worker", _("Part-time grid worker")
    GRID_LIAISON = "grid_liaison", _("Grid liaison")
    SPONSORING_LEADER = "sponsoring_leader", _("Sponsoring leader")


# At most this many grids at once for one sponsoring leader (分包领导, 1–2 grids each).
SPONSORING_LEADER_MAX_GRIDS = 2


class DepartmentKind(models.TextChoices):
    URBAN_MANAGEMENT = "urban_management", _("Urban management (城管)")
    MUNICIPAL = "municipal", _("Municipal engineering (市政)")
    SANITATION = "sanitation", _("Sanitation (环卫)")
    LANDSCAPING = "landscaping", _("Landscaping (园林)")
    ENVIRONMENT = "environment", _("Environmental protection (环保)")
    PETITIONS = "petitions", _("Letters and visits (信访)")
    POLICE = "police", _("Public security (公安)")
    HOUSING = "housing", _("Housing (住建)")
    MARKET = "market", _("Market regulation (市场监管)")
    EMERGENCY = "emergency", _("Emergency management (应急)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    OTHER = "other", _("Other")
