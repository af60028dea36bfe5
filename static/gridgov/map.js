/* gridgov maps: the drill-down area map (#map) and the small map on an area page (.minimap).
 * Boundaries come as GeoJSON from /areas/roots.geojson and /areas/<id>/children.geojson (scoped on
 * the server). No tile server is needed: polygons are drawn on a plain background unless the
 * deployment sets MAP_TILE_URL. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(typeof child === "string" ? document.createTextNode(child) : child));
    return node;
  }

  function newMap(container, config) {
    const map = L.map(container, { zoomSnap: 0.25, attributionControl: Boolean(config.tileUrl) });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([35.0, 114.0], 5);
    return map;
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
  }

  function fillStyle(feature, highlighted) {
    const color = feature.properties.color;
    return {
      color: color, weight: highlighted ? 3 : 2, fillColor: color, fillOpacity: highlighted ? 0.45 : 0.22,
      dashArray: feature.properties.illustrative ? "6 4" : null,
      className: "area-shape area-" + feature.properties.id,
    };
  }

  function fitTo(map, layers) {
    let bounds = null;
    layers.forEach((layer) => {
      if (!layer) return;
      const b = layer.getBounds();
      if (b.isValid()) bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    });
    if (bounds) map.fitBounds(bounds, { padding: [16, 16] });
  }

  /* --- the drill-down map --------------------------------------------------------------------- */

  function initAreaMap(container) {
    const config = JSON.parse(document.getElementById("map-config").textContent);
    const labels = config.labels;
    const map = newMap(container, config);
    const panel = {
      breadcrumb: document.getElementById("map-breadcrumb"),
      current: document.getElementById("map-current"),
      title: document.getElementById("map-children-title"),
      list: document.getElementById("map-children"),
      status: document.getElementById("map-status"),
    };
    const state = { data: null, parentLayer: null, childLayer: null, layersById: new Map(), selected: null, loading: false };
    window.gridgovMap = { map: map, state: state };

    function setStatus(text) {
      panel.status.textContent = text || "";
      container.dataset.state = text ? "loading" : "ready";
    }

    function load(url, remember) {
      setStatus(labels.loading);
      state.loading = true;
      return fetchJson(url).then((data) => {
        state.loading = false;
        setStatus("");
        render(data);
        if (remember) {
          const query = data.parent ? "?area=" + data.parent.properties.id : location.pathname;
          history.replaceState(null, "", data.parent ? query : location.pathname);
        }
        return data;
      }).catch(() => {
        state.loading = false;
        setStatus(labels.failed);
        container.dataset.state = "failed";
      });
    }

    function clear() {
      if (state.parentLayer) map.removeLayer(state.parentLayer);
      if (state.childLayer) map.removeLayer(state.childLayer);
      state.parentLayer = state.childLayer = null;
      state.layersById = new Map();
      state.selected = null;
    }

    function select(feature) {
      if (state.selected) {
        const old = state.layersById.get(state.selected.properties.id);
        if (old) old.setStyle(fillStyle(state.selected, false));
      }
      state.selected = feature;
      const layer = state.layersById.get(feature.properties.id);
      if (layer) layer.setStyle(fillStyle(feature, true));
      showCurrent(feature);
    }

    function onAreaClick(feature) {
      if (feature.properties.child_count > 0) load(feature.properties.children_url, true);
      else select(feature);
    }

    function badge(feature) {
      return el("span", { class: "badge level-" + feature.properties.level, text: feature.properties.level_label });
    }

    function showCurrent(feature) {
      panel.current.replaceChildren();
      if (!feature) return;
      const p = feature.properties;
      const head = el("div", {}, [badge(feature), " ", el("b", { text: p.name })]);
      if (p.illustrative) head.appendChild(el("span", { class: "badge warn", text: labels.illustrative }));
      panel.current.appendChild(head);
      panel.current.appendChild(el("div", { class: "muted small", text: p.code }));
      const actions = el("div", { class: "actions" }, [
        el("a", { class: "button small", href: p.url, id: "map-open-area", text: labels.details }),
      ]);
      if (p.child_count > 0 && (!state.data.parent || state.data.parent.properties.id !== p.id)) {
        actions.appendChild(el("button", { type: "button", class: "button small secondary", text: labels.drill,
          onclick: () => load(p.children_url, true) }));
      }
      panel.current.appendChild(actions);
    }

    function renderBreadcrumb(data) {
      panel.breadcrumb.replaceChildren();
      const crumbs = data.breadcrumb || [];
      if (config.rootCount > 1) {
        const all = crumbs.length === 0
          ? el("span", { text: labels.all })
          : el("a", { href: "#", text: labels.all, onclick: (e) => { e.preventDefault(); load(config.rootsUrl, true); } });
        panel.breadcrumb.appendChild(el("li", {}, [all]));
      }
      crumbs.forEach((crumb, index) => {
        const last = index === crumbs.length - 1;
        const node = last
          ? el("span", { text: crumb.name })
          : el("a", { href: "#", text: crumb.name, onclick: (e) => { e.preventDefault(); load(crumb.children_url, true); } });
        panel.breadcrumb.appendChild(el("li", {}, [node]));
      });
    }

    function renderList(data, features) {
      panel.list.replaceChildren();
      panel.title.textContent = data.parent ? labels.below : labels.all;
      if (!features.length) {
        panel.list.appendChild(el("li", { class: "muted", text: data.parent ? labels.noChildren : labels.empty }));
        return;
      }
      features.forEach((feature) => {
        const p = feature.properties;
        const name = el("button", { type: "button", "data-area": String(p.id), text: p.name, onclick: () => onAreaClick(feature) });
        const extra = el("span", { class: "muted small" }, [p.level_label + (feature.geometry ? "" : " · " + labels.noBoundary)]);
        panel.list.appendChild(el("li", {}, [name, extra]));
      });
    }

    function render(data) {
      clear();
      state.data = data;
      const features = data.features || [];
      const drawn = features.filter((f) => f.geometry);
      if (data.parent && data.parent.geometry) {
        const leaf = features.length === 0;
        state.parentLayer = L.geoJSON(data.parent, {
          style: leaf ? (f) => fillStyle(f, false) : { color: data.parent.properties.color, weight: 2.5, fill: false, dashArray: "8 6", interactive: false },
          interactive: leaf,
        }).addTo(map);
        if (leaf) {
          state.parentLayer.eachLayer((layer) => {
            state.layersById.set(data.parent.properties.id, layer);
            layer.bindTooltip(data.parent.properties.name, { permanent: true, direction: "center", className: "area-label" });
          });
        }
      }
      if (drawn.length) {
        const many = drawn.length > 80;
        state.childLayer = L.geoJSON({ type: "FeatureCollection", features: drawn }, {
          style: (f) => fillStyle(f, false),
          onEachFeature: (feature, layer) => {
            state.layersById.set(feature.properties.id, layer);
            layer.on("click", () => onAreaClick(feature));
            layer.on("mouseover", () => layer.setStyle({ fillOpacity: 0.45 }));
            layer.on("mouseout", () => layer.setStyle({ fillOpacity: state.selected === feature ? 0.45 : 0.22 }));
            layer.bindTooltip(feature.properties.name, { permanent: !many, direction: "center", className: "area-label" });
          },
        }).addTo(map);
      }
      fitTo(map, [state.childLayer, state.parentLayer]);
      renderBreadcrumb(data);
      renderList(data, features);
      if (data.parent) showCurrent(data.parent);
      else if (features.length === 1) select(features[0]);
      else showCurrent(null);
      if (data.parent && features.length === 0) select(data.parent);
      container.dataset.area = data.parent ? String(data.parent.properties.id) : "";
    }

    load(config.start || config.rootsUrl, false);
  }

  /* --- the small map on an area page ---------------------------------------------------------- */

  function initMiniMap(container) {
    const config = { tileUrl: container.dataset.tileUrl, tileAttribution: container.dataset.tileAttribution };
    const map = newMap(container, config);
    fetchJson(container.dataset.childrenUrl).then((data) => {
      const features = (data.features || []).filter((f) => f.geometry);
      let parentLayer = null;
      let childLayer = null;
      if (data.parent && data.parent.geometry) {
        parentLayer = L.geoJSON(data.parent, { style: (f) => fillStyle(f, false), interactive: false }).addTo(map);
      }
      if (features.length) {
        childLayer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: (f) => ({ color: f.properties.color, weight: 1.5, fillOpacity: 0.08, className: "area-shape area-" + f.properties.id }),
          onEachFeature: (feature, layer) => {
            layer.bindTooltip(feature.properties.name, { sticky: true });
            layer.on("click", () => { window.location.href = feature.properties.url; });
          },
        }).addTo(map);
      }
      if (!parentLayer && !childLayer) {
        container.replaceChildren(el("p", { class: "empty", text: container.dataset.emptyText || "" }));
        return;
      }
      fitTo(map, [parentLayer, childLayer]);
      container.dataset.state = "ready";
    }).catch(() => { container.dataset.state = "failed"; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.getElementById("map");
    if (main) initAreaMap(main);
    document.querySelectorAll(".minimap[data-children-url]").forEach(initMiniMap);
  });
})();
