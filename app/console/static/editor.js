/* Point editor: the map (Leaflet, optional tiles) and the live opening-hours preview.
   Typed coordinates are the source of truth; the map only helps to place them. The public
   points around are drawn from the API's vector tiles (Leaflet.VectorGrid, vendored), so
   an editor sees a neighbour or a duplicate before saving. */
(function () {
  'use strict';

  var latInput = document.getElementById('f-lat');
  var lonInput = document.getElementById('f-lon');
  var mapEl = document.getElementById('map');

  function number(value) {
    var n = parseFloat(String(value).replace(',', '.'));
    return isFinite(n) ? n : null;
  }

  function typed() {
    var lat = number(latInput.value);
    var lon = number(lonInput.value);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      return null;
    }
    return [lat, lon];
  }

  function setupMap() {
    if (!mapEl || !window.L || !latInput || !lonInput) {
      if (mapEl) { mapEl.classList.add('unavailable'); }
      return;
    }
    var L = window.L;
    var data = mapEl.dataset;
    var readonly = data.readonly === 'true';
    var start = typed();
    var map = L.map(mapEl, { keyboard: true, scrollWheelZoom: false });
    map.setView(start || [9.0, -79.5], start ? 15 : 4);
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    } else {
      mapEl.classList.add('no-tiles');
    }
    showPublicPoints(L, map, data.points);
    var icon = L.icon({
      iconUrl: data.icon,
      iconRetinaUrl: data.icon2x,
      shadowUrl: data.shadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      shadowSize: [41, 41]
    });
    var marker = null;

    function write(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }

    function place(latlng) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: !readonly, icon: icon, keyboard: true });
        marker.addTo(map);
        marker.on('dragend', function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
    }

    if (start) { place(start); }
    if (!readonly) {
      map.on('click', function (event) {
        place(event.latlng);
        write(event.latlng);
      });
    }
    function follow() {
      var where = typed();
      if (where) {
        place(where);
        map.setView(where, Math.max(map.getZoom(), 13));
      }
    }
    latInput.addEventListener('change', follow);
    lonInput.addEventListener('change', follow);
  }

  // The public points as the API's vector tiles show them: points, and clusters (sized by
  // their count) where a tile holds many. Drawn as SVG, not interactive.
  function showPublicPoints(L, map, url) {
    if (!url || !L.vectorGrid || !L.vectorGrid.protobuf || !L.svg || !L.svg.tile) { return; }
    var point = {
      radius: 4, weight: 1, color: '#1e3a8a', fill: true, fillColor: '#3b82f6', fillOpacity: 0.8
    };
    L.vectorGrid.protobuf(url, {
      rendererFactory: L.svg.tile,
      interactive: false,
      maxNativeZoom: 22,
      vectorTileLayerStyles: {
        points: point,
        clusters: function (properties) {
          var count = Number(properties.count) || 2;
          return {
            radius: Math.min(18, 5 + 2 * Math.log(count)), weight: 1, color: '#1e3a8a',
            fill: true, fillColor: '#93c5fd', fillOpacity: 0.7
          };
        }
      }
    }).addTo(map);
    map.getContainer().classList.add('public-points');
  }

  function setupHours() {
    var input = document.getElementById('f-opening_hours');
    var box = document.getElementById('hours-preview');
    if (!input || !box || !window.fetch) { return; }
    var timer = null;
    var sequence = 0;

    function paragraph(text, className) {
      var p = document.createElement('p');
      if (className) { p.className = className; }
      p.textContent = text;
      return p;
    }

    function show(ok, body, expression) {
      box.textContent = '';
      if (ok && body.lines) {
        box.appendChild(paragraph(box.dataset.title, 'preview-title'));
        var list = document.createElement('ul');
        body.lines.forEach(function (line) {
          var item = document.createElement('li');
          item.textContent = line;
          list.appendChild(item);
        });
        box.appendChild(list);
        input.removeAttribute('aria-invalid');
      } else if (ok) {
        var p = paragraph(box.dataset.raw + ' ');
        var code = document.createElement('code');
        code.textContent = expression;
        p.appendChild(code);
        box.appendChild(p);
        input.removeAttribute('aria-invalid');
      } else {
        var detail = body && body.errors && body.errors.length ? body.errors[0].detail : '';
        box.appendChild(paragraph(box.dataset.invalid + ' ' + detail, 'error'));
        input.setAttribute('aria-invalid', 'true');
      }
    }

    function check() {
      var expression = input.value.trim();
      var mine = ++sequence;
      if (!expression) {
        box.textContent = '';
        input.removeAttribute('aria-invalid');
        return;
      }
      fetch(input.dataset.preview + '?expression=' + encodeURIComponent(expression), {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      }).then(function (response) {
        return response.json().then(function (body) {
          if (mine === sequence) { show(response.ok, body, expression); }
        });
      }).catch(function () { /* offline: the server checks again on save */ });
    }

    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 300);
    });
  }

  setupMap();
  setupHours();
})();
