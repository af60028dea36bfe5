/* gridgov case pages: the small map on a case page (#case-map), the desk map of open cases
 * (#desk-map), the place picker of the intake and phone report forms (#pick-map, with the phone's
 * position through navigator.geolocation), the "resolved on the spot" switch and the desk's
 * select-all box. Map data comes in <script type="application/json"> blocks (scoped on the
 * server); no tile server is needed. */
(function () {
  "use strict";

  const LIGHT_COLORS = { green: "#1e8449", yellow: "#d68910", red: "#c0392b", none: "#6b7280" };

  function config(container) {
    const node = document.getElementById(container.dataset.config);
    return node ? JSON.parse(node.textContent) : {};
  }

  function newMap(container, cfg) {
    const map = L.map(container, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([35.0, 114.0], 5);
    return map;
  }

  function outline(map, geojson, tooltips) {
    if (!geojson) return null;
    const features = geojson.type === "FeatureCollection" ? geojson.features : [geojson];
    if (!features.length) return null;
    return L.geoJSON(geojson, {
      style: { color: "#1e8449", weight: 2, fillColor: "#1e8449", fillOpacity: 0.08 },
      onEachFeature: (feature, layer) => {
        if (tooltips && feature.properties && feature.properties.name) {
          layer.bindTooltip(feature.properties.name, { sticky: true, className: "area-label" });
        }
      },
    }).addTo(map);
  }

  function point(lat, lon, color, radius) {
    return L.circleMarker([lat, lon], { radius: radius || 8, color: "#fff", weight: 2, fillColor: color, fillOpacity: 0.95 });
  }

  /* --- the case page ---------------------------------------------------------------------------- */

  function initCaseMap(container) {
    const cfg = config(container);
    const map = newMap(container, cfg);
    const boundary = cfg.boundary ? outline(map, { type: "Feature", geometry: cfg.boundary, properties: { name: cfg.gridName } }, true) : null;
    const [lon, lat] = cfg.point;
    point(lat, lon, "#c0392b", 9).addTo(map);
    if (boundary && boundary.getBounds().isValid()) {
      const bounds = boundary.getBounds().extend([lat, lon]);
      map.fitBounds(bounds, { padding: [16, 16] });
    } else {
      map.setView([lat, lon], 15);
    }
    container.dataset.state = "ready";
  }

  /* --- the desk map ----------------------------------------------------------------------------- */

  function initDeskMap(container) {
    const cfg = config(container);
    const map = newMap(container, cfg);
    const areas = outline(map, cfg.boundaries, true);
    const layer = L.featureGroup().addTo(map);
    (cfg.points || []).forEach((p) => {
      const marker = point(p.lat, p.lon, LIGHT_COLORS[p.light] || LIGHT_COLORS.none, 7);
      const link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.n + " " + p.label;
      marker.bindPopup(link);
      marker.addTo(layer);
    });
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
    else if (areas && areas.getBounds().isValid()) map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    container.dataset.state = "ready";
    container.dataset.points = String(layer.getLayers().length);
  }

  /* --- picking a place (intake, phone report) --------------------------------------------------- */

  function initPickMap(container) {
    const cfg = config(container);
    const lonField = document.getElementById(container.dataset.lon);
    const latField = document.getElementById(container.dataset.lat);
    const status = document.getElementById("pick-status");
    const map = newMap(container, cfg);
    const areas = outline(map, cfg.boundaries, true);
    if (areas && areas.getBounds().isValid()) map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    let marker = null;

    function set(lat, lon, how) {
      lonField.value = lon.toFixed(6);
      latField.value = lat.toFixed(6);
      [lonField, latField].forEach((field) => field.dispatchEvent(new Event("change", { bubbles: true })));
      if (marker) marker.setLatLng([lat, lon]);
      else marker = point(lat, lon, "#c0392b", 9).addTo(map);
      if (status) status.textContent = how + ": " + lon.toFixed(5) + ", " + lat.toFixed(5);
      container.dataset.state = "picked";
    }

    if (lonField.value && latField.value) {
      set(parseFloat(latField.value), parseFloat(lonField.value), container.dataset.keptLabel || "✓");
      map.setView([parseFloat(latField.value), parseFloat(lonField.value)], Math.max(map.getZoom(), 13));
    }
    map.on("click", (e) => set(e.latlng.lat, e.latlng.lng, "📍"));

    if (cfg.geolocate && !(lonField.value && latField.value)) {
      if (!navigator.geolocation) {
        if (status) status.textContent = status.dataset.noGps || "—";
        return;
      }
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          set(pos.coords.latitude, pos.coords.longitude, "GPS");
          map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), 14));
        },
        () => { if (status) status.textContent = status.dataset.noGps || "—"; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    }
  }

  /* --- small switches --------------------------------------------------------------------------- */

  function initSelfResolved() {
    const box = document.getElementById("id_self_resolved");
    const after = document.getElementById("field-after_photos");
    if (!box || !after) return;
    const sync = () => { after.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  }

  function initSelectAll() {
    const all = document.getElementById("select-all");
    if (!all) return;
    all.addEventListener("change", () => {
      document.querySelectorAll('#desk-table input[name="cases"]').forEach((box) => { box.checked = all.checked; });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const caseMap = document.getElementById("case-map");
    if (caseMap) initCaseMap(caseMap);
    const deskMap = document.getElementById("desk-map");
    if (deskMap) initDeskMap(deskMap);
    const pickMap = document.getElementById("pick-map");
    if (pickMap) initPickMap(pickMap);
    initSelfResolved();
    initSelectAll();
  });
})();
