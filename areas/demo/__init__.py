"""The demo districts: real district outlines and names, illustrative (示意) inner boundaries.

`data` reads data/districts/ (real names, codes and district outlines, see SOURCES.md there),
`geography` draws street, community and grid boundaries inside the real outline, `plan` turns
both into an in-memory tree, and `loader` writes that tree, departments, grid staff and the demo
accounts through the project's action functions (`manage.py load_demo`).
"""
