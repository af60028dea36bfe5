/* The command-center dashboard: the area map coloured by open or overdue cases (drill-down via
 * ?area=<code>), open case points, and the ECharts panels. Data: the JSON views under
 * /assessment/dashboard/ (scoped on the server) and the stats embedded in the page. */
(function () {
  "use strict";

  const COLORS = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828", none: "#777777" };
  const SCALE = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  function shade(value, max) {
    if (!value || !max) return "#f0f0f0";
    return SCALE[Math.min(SCALE.length - 1, Math.floor((value / max) * (SCALE.length - 1) + 0.5))];
  }

  function initMap(config) {
    const container = document.getElementById("dash-map");
    const status = document.getElementById("dash-map-status");
    const list = document.getElementById("dash-areas");
    if (!container || !window.L) return;
    const map = L.map(container, { zoomSnap: 0.25, attributionControl: false }).setView([35.0, 114.0], 5);
    const metric = config.metric;
    status.textContent = config.labels.loading;
    fetchJson(config.areasUrl).then((data) => {
      status.textContent = "";
      const features = data.features || [];
      const max = Math.max(0, ...features.map((f) => f.properties[metric]));
      const layer = L.geoJSON({ type: "FeatureCollection", features: features.filter((f) => f.geometry) }, {
        style: (f) => ({ color: "#555", weight: 1.5, fillColor: shade(f.properties[metric], max), fillOpacity: 0.6 }),
        onEachFeature: (f, l) => {
          const p = f.properties;
          l.bindTooltip(p.name + " · " + config.labels[metric] + " " + p[metric], { sticky: true });
          if (p.drill) l.on("click", () => { window.location.href = p.url; });
        },
      }).addTo(map);
      features.forEach((f) => {
        const p = f.properties;
        const li = document.createElement("li");
        const a = document.createElement(p.drill ? "a" : "span");
        if (p.drill) a.href = p.url;
        a.textContent = p.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + config.labels.open + " " + p.open + " · " + config.labels.overdue + " " + p.overdue));
        list.appendChild(li);
      });
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      container.dataset.state = "ready";
      initLayers(map, config);
    }).catch(() => {
      status.textContent = config.labels.failed;
      container.dataset.state = "failed";
    });
  }

  const WARN_COLORS = { cluster: "#d9480f", rise: "#c2255c", repeat_reporter: "#5f3dc4" };

  /* Open cases clustered and the hot-spot (heat) layer: both read the server's per-cell counts for
   * the visible bbox at the current zoom (dashboard/buckets.json), so the browser never holds more
   * than a few thousand cells however many cases there are. Early warnings: circles of their radius. */
  function initLayers(map, config) {
    const clusters = L.layerGroup().addTo(map);
    const heat = L.heatLayer ? L.heatLayer([], { radius: 25, blur: 18, minOpacity: 0.3 }) : L.layerGroup();
    const warnings = L.layerGroup().addTo(map);
    (config.warnings || []).forEach((w) => {
      if (w.lat === null || w.lon === null) return;
      L.circle([w.lat, w.lon], { radius: w.radius_m || 100, color: WARN_COLORS[w.kind] || "#d9480f", weight: 2, fillOpacity: 0.15 })
        .bindTooltip(w.kind_label + " · " + w.category + " · " + w.count)
        .on("click", () => { window.location.href = w.url; }).addTo(warnings);
    });
    const overlays = {};
    overlays[config.labels.clusters] = clusters;
    overlays[config.labels.heat] = heat;
    overlays[config.labels.warnings] = warnings;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    function url(what) {
      const b = map.getBounds();
      const bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
        .map((v) => v.toFixed(6)).join(",");
      return config.bucketsUrl + "&what=" + what + "&zoom=" + Math.round(map.getZoom()) + "&bbox=" + bbox;
    }
    function drawClusters() {
      if (!map.hasLayer(clusters)) return;
      fetchJson(url("open")).then((data) => {
        clusters.clearLayers();
        data.buckets.forEach((b) => {
          if (b.n === 1) {
            L.circleMarker([b.lat, b.lon], { radius: 5, weight: 1, color: "#333", fillColor: "#1971c2", fillOpacity: 0.9 })
              .on("click", () => { window.location.href = b.url; }).addTo(clusters);
            return;
          }
          const size = Math.round(22 + 8 * Math.log10(b.n));
          L.marker([b.lat, b.lon], { icon: L.divIcon({ className: "bucket-icon", html: String(b.n), iconSize: [size, size] }), title: b.n + " " + config.labels.cases })
            .on("click", () => map.setView([b.lat, b.lon], Math.min(map.getZoom() + 2, 19))).addTo(clusters);
        });
        map.getContainer().dataset.buckets = String(data.buckets.length);
      }).catch(() => {});
    }
    function drawHeat() {
      if (!map.hasLayer(heat) || !heat.setLatLngs) return;
      fetchJson(url("reports")).then((data) => {
        const max = Math.max(1, ...data.buckets.map((b) => b.n));
        heat.setOptions({ max: max });
        heat.setLatLngs(data.buckets.map((b) => [b.lat, b.lon, b.n]));
      }).catch(() => {});
    }
    let timer = null;
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(() => { drawClusters(); drawHeat(); }, 150);
    }
    map.on("moveend", refresh);
    map.on("overlayadd", refresh);
    refresh();
  }

  function chart(id, option) {
    const node = document.getElementById(id);
    if (!node || !window.echarts) return;
    const c = echarts.init(node);
    c.setOption(option);
    window.addEventListener("resize", () => c.resize());
  }

  function bars(rows, horizontal) {
    const names = rows.map((r) => r.name || r.code);
    const values = rows.map((r) => r.count);
    const axis = { type: "category", data: names, axisLabel: { interval: 0, overflow: "truncate", width: 90 } };
    return {
      tooltip: { trigger: "axis" }, grid: { left: 100, right: 20, top: 10, bottom: 30 },
      xAxis: horizontal ? { type: "value", minInterval: 1 } : axis,
      yAxis: horizontal ? axis : { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: values }],
    };
  }

  function initCharts(config, stats) {
    const l = config.labels;
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, legend: { data: [l.reports, l.closed] },
      grid: { left: 40, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: stats.trend.days.map((d) => d.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: l.reports, type: "line", data: stats.trend.reports }, { name: l.closed, type: "line", data: stats.trend.closed }],
    });
    chart("chart-categories", bars(stats.categories, true));
    chart("chart-channels", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: stats.channels.map((r) => ({ name: r.name, value: r.count })) }],
    });
    chart("chart-children", bars(stats.children, true));
    const lights = ["green", "yellow", "red", "none"];
    const names = document.querySelectorAll("#dash-lights span");
    chart("chart-lights", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: "65%", data: lights.map((k, i) => ({
        name: names[i] ? names[i].textContent.replace(/\s*\d+$/, "") : k, value: stats.lights[k], itemStyle: { color: COLORS[k] },
      })) }],
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const config = JSON.parse(document.getElementById("dash-config").textContent);
    const stats = JSON.parse(document.getElementById("dash-stats").textContent);
    initMap(config);
    initCharts(config, stats);
  });
})();
