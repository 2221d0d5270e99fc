/* Alert form: draw the area on a map (a polygon or a circle), or read a GeoJSON file.
   The map only fills the typed fields (GeoJSON, centre and radius); the server validates
   them on save. Without JavaScript the typed fields work as they are. */
(function () {
  'use strict';

  var STYLE = { color: '#b42318', weight: 2, fillOpacity: 0.15 };

  function baseMap(el) {
    var L = window.L;
    el.hidden = false;
    var map = L.map(el, { keyboard: true, scrollWheelZoom: false, doubleClickZoom: false });
    map.setView([9.0, -79.5], 4);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    } else {
      el.classList.add('no-tiles');
    }
    return map;
  }

  /* An alert area as a Leaflet layer (null for whole countries: no outlines here). */
  function areaLayer(area) {
    var L = window.L;
    if (!area || !area.type) { return null; }
    if (area.type === 'Circle' && area.center) {
      return L.circle([area.center[1], area.center[0]], L.extend({ radius: area.radius_m }, STYLE));
    }
    if (area.type === 'Polygon' || area.type === 'MultiPolygon') {
      return L.geoJSON(area, { style: STYLE });
    }
    return null;
  }

  /* Read-only maps of saved alerts (the list, the translation page). */
  function setupViews() {
    Array.prototype.forEach.call(document.querySelectorAll('.area-view[data-areas]'), function (el) {
      var items;
      try { items = JSON.parse(el.dataset.areas); } catch (e) { return; }
      var drawn = items.map(function (item) {
        var layer = areaLayer(item.area);
        if (layer && item.title) {
          var label = document.createElement('span');
          label.textContent = item.title;  // text, never markup
          layer.bindTooltip(label);
        }
        return layer;
      }).filter(Boolean);
      if (!drawn.length) { return; }
      var map = baseMap(el);
      var group = window.L.featureGroup(drawn).addTo(map);
      map.fitBounds(group.getBounds(), { maxZoom: 10, padding: [16, 16] });
    });
  }

  if (window.L) { setupViews(); }

  var mapEl = document.getElementById('area-map');
  var help = document.getElementById('area-help');
  var geojsonInput = document.getElementById('geojson');
  var latInput = document.getElementById('lat');
  var lonInput = document.getElementById('lon');
  var radiusInput = document.getElementById('radius_km');
  var fileInput = document.getElementById('area_file');
  if (!mapEl || !window.L || !geojsonInput || !latInput || !lonInput || !radiusInput) { return; }
  var L = window.L;
  var data = mapEl.dataset;

  if (help) { help.hidden = false; }
  var map = baseMap(mapEl);

  var shown = L.layerGroup().addTo(map);   // the area the fields describe
  var sketch = L.layerGroup().addTo(map);  // the shape being drawn
  var mode = null;                         // 'polygon', 'circle' or null
  var vertices = [];
  var centre = null;

  function number(value) {
    var n = parseFloat(String(value).replace(',', '.'));
    return isFinite(n) ? n : null;
  }

  function chooseKind(kind) {
    var radio = document.getElementById('area_kind-' + kind);
    if (radio) { radio.checked = true; }
  }

  function kind() {
    var checked = document.querySelector('input[name=area_kind]:checked');
    return checked ? checked.value : 'countries';
  }

  function wrap(lng) { return L.Util.wrapNum(lng, [-180, 180], true); }

  function round(n) { return Math.round(n * 1e6) / 1e6; }

  /* Parse what the GeoJSON field holds into something Leaflet draws (or null). */
  function parsed(text) {
    if (!text || !text.trim()) { return null; }
    try {
      var value = JSON.parse(text);
      if (value && value.type === 'FeatureCollection' && value.features && value.features.length === 1) {
        value = value.features[0];
      }
      if (value && value.type === 'Feature') { value = value.geometry; }
      if (value && (value.type === 'Polygon' || value.type === 'MultiPolygon')) { return value; }
    } catch (e) { /* the server names the problem on save */ }
    return null;
  }

  function fit(layer) {
    var bounds = layer.getBounds && layer.getBounds();
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 12, padding: [16, 16] }); }
  }

  /* A new shape: the server's word on the old one no longer applies. */
  function forgetErrors() {
    var fieldset = document.getElementById('area');
    if (fieldset) { fieldset.classList.remove('area-invalid'); }
    Array.prototype.forEach.call(document.querySelectorAll('#area p.error'), function (p) {
      p.hidden = true;
    });
    geojsonInput.removeAttribute('aria-invalid');
  }

  /* Draw what the fields of the chosen kind describe. */
  function showFields() {
    shown.clearLayers();
    var layer = null;
    if (kind() === 'geojson') {
      var geometry = parsed(geojsonInput.value);
      if (geometry) {
        try { layer = L.geoJSON(geometry, { style: STYLE }); } catch (e) { layer = null; }
      }
    } else if (kind() === 'circle') {
      var lat = number(latInput.value);
      var lon = number(lonInput.value);
      var km = number(radiusInput.value);
      if (lat !== null && lon !== null && km !== null && km > 0 && Math.abs(lat) <= 90) {
        layer = L.circle([lat, lon], L.extend({ radius: km * 1000 }, STYLE));
      }
    }
    if (layer) {
      layer.addTo(shown);
      fit(layer);
    }
  }

  function say(text) { if (help) { help.textContent = text; } }

  function polygonGeoJSON(points) {
    var ring = points.map(function (p) { return [round(wrap(p.lng)), round(p.lat)]; });
    ring.push(ring[0].slice());
    return JSON.stringify({ type: 'Polygon', coordinates: [ring] });
  }

  function redrawSketch() {
    sketch.clearLayers();
    if (mode === 'polygon' && vertices.length) {
      L.polyline(vertices, L.extend({ dashArray: '4 4' }, STYLE)).addTo(sketch);
      vertices.forEach(function (v) { L.circleMarker(v, { radius: 4, color: STYLE.color }).addTo(sketch); });
    }
    if (mode === 'circle' && centre) {
      L.circleMarker(centre, { radius: 4, color: STYLE.color }).addTo(sketch);
    }
    buttons.undo.disabled = !(mode === 'polygon' && vertices.length);
    buttons.finish.disabled = !(mode === 'polygon' && vertices.length >= 3);
  }

  function start(newMode) {
    mode = newMode;
    vertices = [];
    centre = null;
    mapEl.classList.add('drawing');
    say(newMode === 'polygon' ? data.helpPolygon : data.helpCircle);
    redrawSketch();
  }

  function stop() {
    mode = null;
    vertices = [];
    centre = null;
    mapEl.classList.remove('drawing');
    redrawSketch();
  }

  function finishPolygon() {
    if (vertices.length < 3) { return; }
    geojsonInput.value = polygonGeoJSON(vertices);
    chooseKind('geojson');
    stop();
    forgetErrors();
    showFields();
  }

  function addPoint(latlng) {
    if (mode === 'polygon') {
      vertices.push(latlng);
      redrawSketch();
    } else if (mode === 'circle') {
      if (!centre) {
        centre = latlng;
        redrawSketch();
        return;
      }
      var metres = map.distance(centre, latlng);
      latInput.value = round(centre.lat).toString();
      lonInput.value = round(wrap(centre.lng)).toString();
      radiusInput.value = (Math.round(metres / 100) / 10).toString();
      chooseKind('circle');
      stop();
      forgetErrors();
      showFields();
    }
  }

  map.on('click', function (event) { addPoint(event.latlng); });


  /* The toolbar: plain buttons above the map, created here so a page without
     JavaScript shows none. */
  var bar = document.createElement('div');
  bar.className = 'draw-tools';
  var buttons = {};
  [['polygon', data.polygon], ['circle', data.circle], ['undo', data.undo],
   ['finish', data.finish], ['clear', data.clear]].forEach(function (item) {
    var button = document.createElement('button');
    button.type = 'button';
    button.id = 'draw-' + item[0];
    button.textContent = item[1];
    bar.appendChild(button);
    buttons[item[0]] = button;
  });
  mapEl.parentNode.insertBefore(bar, mapEl);
  buttons.polygon.addEventListener('click', function () { start('polygon'); });
  buttons.circle.addEventListener('click', function () { start('circle'); });
  buttons.undo.addEventListener('click', function () { vertices.pop(); redrawSketch(); });
  buttons.finish.addEventListener('click', finishPolygon);
  buttons.clear.addEventListener('click', function () {
    stop();
    if (kind() === 'geojson') { geojsonInput.value = ''; }
    if (kind() === 'circle') { latInput.value = lonInput.value = radiusInput.value = ''; }
    shown.clearLayers();
  });
  /* Keyboard: the arrow keys move the map, Space puts a point at its centre. */
  mapEl.addEventListener('keydown', function (event) {
    if (!mode) { return; }
    if (event.key === ' ') { event.preventDefault(); addPoint(map.getCenter()); return; }
    if (mode !== 'polygon') { return; }
    if (event.key === 'Enter') { event.preventDefault(); finishPolygon(); }
    if (event.key === 'Backspace') { event.preventDefault(); vertices.pop(); redrawSketch(); }
    if (event.key === 'Escape') { stop(); }
  });

  /* A chosen file is read here: into the GeoJSON field when it fits there (the file
     input is then emptied so it is not sent twice), otherwise sent as the file. */
  if (fileInput && window.FileReader) {
    fileInput.addEventListener('change', function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file) { return; }
      if (file.size > Number(data.maxFileBytes)) { say(data.badFile); return; }
      var reader = new FileReader();
      reader.onload = function () {
        var text = String(reader.result || '');
        if (!parsed(text)) { say(data.badFile); return; }
        chooseKind('geojson');
        if (new Blob([text]).size <= Number(data.maxFieldBytes)) {
          geojsonInput.value = text;
          fileInput.value = '';
          showFields();
        } else {
          shown.clearLayers();
          var layer = L.geoJSON(parsed(text), { style: STYLE }).addTo(shown);
          fit(layer);
        }
      };
      reader.readAsText(file);
    });
  }

  [geojsonInput, latInput, lonInput, radiusInput].forEach(function (input) {
    input.addEventListener('change', showFields);
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[name=area_kind]'), function (radio) {
    radio.addEventListener('change', showFields);
  });
  showFields();
  redrawSketch();
})();
