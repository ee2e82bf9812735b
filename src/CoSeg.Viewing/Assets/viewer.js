// CoSeg viewer page: every frame is rendered on the server by CoSeg.Core's rasterizer for the camera this page sends.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const img = $('frame'), stage = $('stage');
  const st = {
    mode: params.get('mode') || 'rgb', snapped: null, target: [0, 0, 0], dist: 1, yaw: 0.6, pitch: 0.35, up: [0, 0, 1],
    hidden: new Set(), selected: null, moving: false,
  };
  let info = null, frames = 0, lastCam = null, inflight = false, pending = false, moveTimer = 0, objectUrl = null;

  const add = (a, b) => a.map((v, i) => v + b[i]);
  const sub = (a, b) => a.map((v, i) => v - b[i]);
  const mul = (a, s) => a.map(v => v * s);
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const normalize = a => mul(a, 1 / Math.max(1e-12, Math.hypot(...a)));
  const fmt = v => v.map(x => x.toPrecision(9)).join(',');

  // Orbit basis around the up axis (as LookAtCamera.Orbit builds it).
  function basis() {
    const u = normalize(st.up);
    const helper = Math.abs(u[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const a = normalize(cross(u, helper));
    return [a, cross(u, a), u];
  }
  function orbitEye() {
    const [a, b, u] = basis(), cp = Math.cos(st.pitch);
    return add(st.target, mul(add(add(mul(a, cp * Math.cos(st.yaw)), mul(b, cp * Math.sin(st.yaw))), mul(u, Math.sin(st.pitch))), st.dist));
  }
  // Leaves a snapped dataset camera for the orbit that passes through it.
  function unsnap() {
    if (!st.snapped) return;
    const c = st.snapped, f = normalize(c.forward);
    const d = Math.max(0.2 * info.radius, dot(sub(info.center, c.eye), f));
    st.target = add(c.eye, mul(f, d)); st.dist = d;
    const dir = normalize(sub(c.eye, st.target)), [a, b, u] = basis();
    st.pitch = Math.asin(Math.max(-1, Math.min(1, dot(dir, u))));
    st.yaw = Math.atan2(dot(dir, b), dot(dir, a));
    st.snapped = null; $('camera').value = '-1';
  }
  function viewSize() {
    const max = info ? info.maxImageSide : 4096;
    return [Math.max(16, Math.min(max, stage.clientWidth)), Math.max(16, Math.min(max, stage.clientHeight))];
  }
  function camera(scale) {
    const [W, H] = viewSize();
    let c;
    if (st.snapped) {
      const s0 = st.snapped, s = Math.min(W / s0.width, H / s0.height), w = Math.max(1, Math.round(s0.width * s)), h = Math.max(1, Math.round(s0.height * s));
      const k = w / s0.width;
      c = { w, h, fx: s0.fx * k, fy: s0.fy * (h / s0.height), cx: s0.cx * k, cy: s0.cy * (h / s0.height), eye: s0.eye, target: add(s0.eye, s0.forward), up: s0.up };
    } else {
      const fy = 0.5 * H / Math.tan(25 * Math.PI / 180);
      c = { w: W, h: H, fx: fy, fy, cx: W / 2, cy: H / 2, eye: orbitEye(), target: st.target, up: st.up };
    }
    if (scale < 1) {
      const w = Math.max(1, Math.round(c.w * scale)), h = Math.max(1, Math.round(c.h * scale));
      c = { ...c, w, h, fx: c.fx * w / c.w, fy: c.fy * h / c.h, cx: c.cx * w / c.w, cy: c.cy * h / c.h };
    }
    return c;
  }
  function query(c) {
    const q = new URLSearchParams({ w: c.w, h: c.h, fx: c.fx, fy: c.fy, cx: c.cx, cy: c.cy, eye: fmt(c.eye), target: fmt(c.target), up: fmt(c.up), mode: st.mode });
    if (st.hidden.size) q.set('hidden', [...st.hidden].join(','));
    if (st.selected != null) q.set('selected', st.selected);
    return q.toString();
  }

  function requestFrame() { pending = true; if (!inflight) pump(); }
  async function pump() {
    pending = false; inflight = true;
    const scale = st.moving ? 0.5 : 1, cam = camera(scale), t0 = performance.now();
    const busy = setTimeout(() => { $('busy').hidden = false; }, 250);
    try {
      const r = await fetch('api/frame?' + query(cam));
      if (!r.ok) { $('frame-time').textContent = 'error ' + r.status + ': ' + (await r.text()); return; }
      const blob = await r.blob(), url = URL.createObjectURL(blob);
      img.src = url;
      await img.decode().catch(() => {});
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = url; lastCam = cam; frames++;
      document.body.dataset.frames = frames;
      document.body.dataset.frameW = cam.w; document.body.dataset.frameH = cam.h;
      const total = performance.now() - t0;
      $('frame-time').textContent = `${total.toFixed(0)} ms (render ${r.headers.get('X-Render-Ms')}, encode ${r.headers.get('X-Encode-Ms')}) · ${cam.w}×${cam.h}${scale < 1 ? ' (moving)' : ''}`;
    } catch (e) {
      $('frame-time').textContent = 'error: ' + e;
    } finally {
      clearTimeout(busy); $('busy').hidden = true; inflight = false;
      if (pending) pump(); else if (scale < 1 && !st.moving) requestFrame();
    }
  }

  function segment(id) { return info.segments.find(s => s.id === id); }
  function showSelection(p) {
    const has = st.selected != null;
    $('sel-id').textContent = has ? st.selected : '–';
    const s = has ? segment(st.selected) : null;
    $('sel-count').textContent = s ? s.count : '–';
    const conf = p && p.confidence != null ? p.confidence.toFixed(3) : s && s.confidence != null ? 'mean ' + s.confidence.toFixed(3) : has ? 'n/a (labels only)' : '–';
    $('sel-conf').textContent = conf;
    $('sel-gaussian').textContent = p ? p.gaussian : '–';
    $('sel-weight').textContent = p ? p.weight.toFixed(3) : '–';
    $('hide').disabled = $('isolate').disabled = !has;
    const dl = $('download');
    dl.classList.toggle('disabled', !has);
    dl.href = has ? `api/segments/${st.selected}/ply` : '#';
    for (const li of document.querySelectorAll('#segments li')) li.classList.toggle('selected', has && +li.dataset.id === st.selected);
    document.body.dataset.selected = has ? st.selected : '';
  }
  async function pick(ev) {
    if (!lastCam) return;
    const r = img.getBoundingClientRect(), s = Math.min(r.width / lastCam.w, r.height / lastCam.h);
    const ox = (r.width - lastCam.w * s) / 2, oy = (r.height - lastCam.h * s) / 2;
    const x = Math.floor((ev.clientX - r.left - ox) / s), y = Math.floor((ev.clientY - r.top - oy) / s);
    if (x < 0 || y < 0 || x >= lastCam.w || y >= lastCam.h) return;
    const res = await fetch(`api/pick?${query(lastCam)}&x=${x}&y=${y}`);
    if (!res.ok) { $('frame-time').textContent = 'pick error: ' + (await res.text()); return; }
    const p = await res.json();
    st.selected = p.hit && p.id != null ? p.id : null;
    showSelection(p.hit ? p : null);
    document.body.dataset.pickedGaussian = p.hit ? p.gaussian : -1;
    requestFrame();
  }

  let drag = null;
  stage.addEventListener('contextmenu', e => e.preventDefault());
  stage.addEventListener('pointerdown', e => { drag = { x: e.clientX, y: e.clientY, x0: e.clientX, y0: e.clientY, pan: e.button === 2 || e.shiftKey }; stage.setPointerCapture(e.pointerId); });
  stage.addEventListener('pointermove', e => {
    if (!drag || !info) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(e.clientX - drag.x0) + Math.abs(e.clientY - drag.y0) < 4) return;
    drag.x = e.clientX; drag.y = e.clientY;
    unsnap();
    if (drag.pan) {
      const f = normalize(sub(st.target, orbitEye())), right = normalize(cross(f, st.up)), down = cross(f, right);
      st.target = add(st.target, mul(add(mul(right, -dx), mul(down, -dy)), st.dist * 0.0015));
    } else {
      st.yaw -= dx * 0.008;
      st.pitch = Math.max(-1.5, Math.min(1.5, st.pitch + dy * 0.008));
    }
    moving();
  });
  stage.addEventListener('pointerup', e => {
    const d = drag; drag = null;
    if (d && Math.abs(e.clientX - d.x0) + Math.abs(e.clientY - d.y0) < 4 && e.button === 0) pick(e);
  });
  stage.addEventListener('wheel', e => { e.preventDefault(); if (!info) return; unsnap(); st.dist *= Math.exp(e.deltaY * 0.001); moving(); }, { passive: false });
  function moving() {
    st.moving = true; requestFrame();
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => { st.moving = false; requestFrame(); }, 180);
  }

  function resetView() {
    st.snapped = null; $('camera').value = '-1';
    st.target = info.center.slice(); st.dist = 2.5 * info.radius; st.yaw = 0.6; st.pitch = 0.35;
    requestFrame();
  }
  function snap(i) {
    if (i < 0 || i >= info.cameras.length) { unsnap(); requestFrame(); return; }
    st.snapped = info.cameras[i]; $('camera').value = String(i); requestFrame();
  }
  function renderSegmentList() {
    const ul = $('segments'); ul.textContent = '';
    for (const s of info.segments) {
      const li = document.createElement('li'); li.dataset.id = s.id;
      const cb = document.createElement('input'); cb.type = 'checkbox'; cb.checked = !st.hidden.has(s.id);
      cb.addEventListener('click', e => { e.stopPropagation(); if (cb.checked) st.hidden.delete(s.id); else st.hidden.add(s.id); requestFrame(); });
      const sw = document.createElement('span'); sw.className = 'swatch'; sw.style.background = `rgb(${s.color.join(',')})`;
      const label = document.createElement('span'); label.textContent = `${s.id} (${s.count})`;
      li.append(cb, sw, label);
      li.addEventListener('click', () => { st.selected = s.id; showSelection(null); requestFrame(); });
      ul.append(li);
    }
  }

  $('mode').addEventListener('change', e => { st.mode = e.target.value; requestFrame(); });
  $('camera').addEventListener('change', e => snap(+e.target.value));
  $('up').addEventListener('change', e => { unsnap(); st.up = e.target.value === 'scene' ? info.up.slice() : e.target.value.split(',').map(Number); requestFrame(); });
  $('reset').addEventListener('click', resetView);
  $('hide').addEventListener('click', () => { if (st.selected == null) return; st.hidden.add(st.selected); st.selected = null; renderSegmentList(); showSelection(null); requestFrame(); });
  $('isolate').addEventListener('click', () => { if (st.selected == null) return; st.hidden = new Set(info.segments.map(s => s.id).filter(id => id !== st.selected)); renderSegmentList(); showSelection(null); requestFrame(); });
  $('show-all').addEventListener('click', () => { st.hidden.clear(); renderSegmentList(); requestFrame(); });
  window.addEventListener('resize', () => requestFrame());

  async function load() {
    for (;;) {
      let s;
      try { s = await (await fetch('api/scene')).json(); } catch (e) { s = { loading: true, progress: 0, stage: 'connecting' }; }
      if (s.error) { $('load-stage').textContent = 'failed: ' + s.error; return; }
      if (!s.loading) { info = s; break; }
      $('load-progress').value = s.progress; $('load-stage').textContent = s.stage;
      await new Promise(r => setTimeout(r, 300));
    }
    $('loading').hidden = true;
    $('scene-info').textContent = `${info.count.toLocaleString('en')} Gaussians · SH ${info.shDegree} · ${info.segments.length} segments · ${info.backend}`;
    st.up = info.up.slice();
    const camSel = $('camera');
    info.cameras.forEach((c, i) => { const o = document.createElement('option'); o.value = i; o.textContent = c.name; camSel.append(o); });
    if (!info.hasSegments) { for (const o of $('mode').options) if (o.value !== 'rgb') o.disabled = true; st.mode = 'rgb'; }
    $('mode').value = st.mode;
    renderSegmentList(); showSelection(null);
    st.target = info.center.slice(); st.dist = 2.5 * info.radius;
    const ci = params.has('camera') ? +params.get('camera') : (info.cameras.length ? 0 : -1);
    if (ci >= 0 && ci < info.cameras.length) st.snapped = info.cameras[ci];
    $('camera').value = String(st.snapped ? ci : -1);
    document.body.dataset.ready = '1';
    requestFrame();
  }
  load();
})();
