/* The grid worker's patrol page: watch the phone's position, post the points in batches.
   On the report page: fill the hidden lon/lat fields from the current position. */
(function () {
  "use strict";
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  function fix(pos) {
    return {lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy,
            at: Math.round(pos.timestamp || Date.now())};
  }

  var live = document.getElementById("patrol-live");
  if (live) {
    var url = live.dataset.pointsUrl, status = document.getElementById("patrol-gps");
    var buffer = [], lastAt = 0, lastKey = "", sending = false;
    var push = function (pos) {
      var p = fix(pos), key = p.lon.toFixed(6) + "," + p.lat.toFixed(6);
      if (p.at <= lastAt) { p.at = lastAt + 1; }
      if (key === lastKey && p.at - lastAt < 30000) { return; }  // standing still: one point per 30 s
      lastAt = p.at; lastKey = key;
      buffer.push(p);
      status.textContent = status.dataset.ok + " " + p.lat.toFixed(5) + ", " + p.lon.toFixed(5);
      if (buffer.length >= 3) { flush(); }
    };
    var fail = function () { status.textContent = status.dataset.denied; };
    var flush = function () {
      if (sending || !buffer.length) { return Promise.resolve(); }
      var batch = buffer.splice(0, buffer.length);
      sending = true;
      return fetch(url, {method: "POST", credentials: "same-origin",
                         headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                         body: JSON.stringify({points: batch})})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.distance_m !== undefined) {
            document.getElementById("patrol-distance").textContent = Math.round(data.distance_m);
            document.getElementById("patrol-points").textContent = data.points;
          }
        })
        .catch(function () { buffer = batch.concat(buffer); })
        .finally(function () { sending = false; });
    };
    if (navigator.geolocation) {
      var opts = {enableHighAccuracy: true, maximumAge: 0, timeout: 20000};
      navigator.geolocation.watchPosition(push, fail, opts);
      // some phones throttle watchPosition when the screen dims: ask now and then as well
      setInterval(function () { navigator.geolocation.getCurrentPosition(push, fail, opts); }, 4000);
    } else { fail(); }
    setInterval(flush, 5000);
    // leave nothing behind: post what is buffered before following a link or ending the patrol
    var endForm = document.getElementById("patrol-end-form");
    endForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.confirm(endForm.dataset.confirm)) { return; }
      var wait = sending ? new Promise(function (ok) { setTimeout(ok, 800); }) : Promise.resolve();
      wait.then(flush).then(function () { endForm.submit(); });
    });
    document.getElementById("patrol-report").addEventListener("click", function (event) {
      event.preventDefault();
      var href = this.href;
      flush().then(function () { window.location.href = href; });
    });
  }

  // the patrol's page: its track over the grid's boundary (no base tiles: works offline)
  var mapEl = document.getElementById("patrol-map");
  if (mapEl && window.L) {
    var cfg = JSON.parse(document.getElementById(mapEl.dataset.config).textContent);
    var map = L.map(mapEl, {attributionControl: false, minZoom: 3, maxZoom: 19});
    var layers = [];
    if (cfg.boundary) { layers.push(L.geoJSON(cfg.boundary, {style: {color: "#3b6ea5", weight: 2, fillOpacity: 0.05}})); }
    var line = L.polyline(cfg.track, {color: "#c0392b", weight: 4});
    layers.push(line);
    map.fitBounds(line.getBounds().pad(0.5));  // a view first: vector layers need one
    layers.forEach(function (layer) { layer.addTo(map); });
  }

  var reportGps = document.getElementById("report-gps");
  if (reportGps && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_lon").value = pos.coords.longitude.toFixed(6);
      document.getElementById("id_lat").value = pos.coords.latitude.toFixed(6);
      reportGps.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      reportGps.dataset.state = "located";
    }, function () { reportGps.dataset.state = "failed"; }, {enableHighAccuracy: true, maximumAge: 0, timeout: 20000});
  }
})();
