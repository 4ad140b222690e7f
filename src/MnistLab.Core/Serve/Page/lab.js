// The live lab's page: one image (drawn, a test image by index, an uploaded PNG, one of a unit's top images, of the
// model's mistakes or of the projector), and for it the chosen model's prediction, an attribution map, the activations
// at a point, the prediction with units ablated and the image's concepts, with a second model's prediction and map
// beside them if one is chosen; a unit's top test images; the model's mistakes by true and predicted class; the test
// images on a point's first two principal components; links to the run folders' reports. Everything is computed by
// the server's JSON API (docs/SERVE.md); this script only draws. No library, nothing fetched from elsewhere.
'use strict';

const $ = id => document.getElementById(id);
const state = { models: [], image: null, label: null, ablations: new Map(), busy: 0, pending: null, projection: null, testConcepts: null };

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || `${path}: HTTP ${response.status}`);
  return answer;
}

function showError(e) {
  $('error').hidden = !e;
  $('error').textContent = e ? String(e.message || e) : '';
}

const model = () => state.models.find(m => m.id === $('model').value);
// The second model, shown beside the first for the same image (none by default).
const compared = () => state.models.find(m => m.id === $('compare').value);

// ---- drawing: white ink on black, as MNIST stores digits; read when the stroke ends ----
const draw = $('draw');
const pen = draw.getContext('2d');
function clearDrawing() {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, draw.width, draw.height);
}
let stroke = null;
function at(e) {
  const r = draw.getBoundingClientRect();
  return [(e.clientX - r.left) * draw.width / r.width, (e.clientY - r.top) * draw.height / r.height];
}
draw.addEventListener('pointerdown', e => {
  stroke = at(e);
  draw.setPointerCapture(e.pointerId);
  pen.fillStyle = '#fff';
  pen.beginPath(); pen.arc(stroke[0], stroke[1], 9, 0, 2 * Math.PI); pen.fill();
});
draw.addEventListener('pointermove', e => {
  if (!stroke) return;
  const next = at(e);
  pen.strokeStyle = '#fff'; pen.lineWidth = 18; pen.lineCap = 'round'; pen.lineJoin = 'round';
  pen.beginPath(); pen.moveTo(stroke[0], stroke[1]); pen.lineTo(next[0], next[1]); pen.stroke();
  stroke = next;
});
for (const end of ['pointerup', 'pointercancel']) draw.addEventListener(end, () => {
  if (!stroke) return;
  stroke = null;
  readDrawing();
});

async function readDrawing() {
  const pixels = pen.getImageData(0, 0, draw.width, draw.height).data;
  const drawing = new Array(draw.width * draw.height);
  // Three decimals are finer than the 256 grey levels the canvas holds, and keep the request small.
  for (let i = 0; i < drawing.length; i++) drawing[i] = Math.round(1000 * pixels[4 * i] / 255) / 1000;
  try {
    const answer = await api('/api/digitize', { drawing });
    setImage(answer.image, null);
  } catch (e) { showError(e); }
}

// A model's id holds slashes: sent as %2F inside one path segment.
const modelPath = () => encodeURIComponent(model().id);

// Test images by index, fetched once: thumbnails (top images, mistakes) come back often.
const testImages = new Map();
async function testImage(index) {
  if (!testImages.has(index)) testImages.set(index, await api(`/api/images/test/${index}`));
  return testImages.get(index);
}

function thumbnail(image, title, onClick) {
  const c = document.createElement('canvas');
  c.width = 42; c.height = 42;
  paintGrey(c, image);
  c.title = title;
  c.addEventListener('click', onClick);
  return c;
}

function showTest(index) {
  $('test-index').value = index;
  loadTest();
}

async function loadTest() {
  try {
    const answer = await api(`/api/images/test/${encodeURIComponent($('test-index').value)}`);
    clearDrawing();
    setImage(answer.image, answer.label);
  } catch (e) { showError(e); }
}

// An uploaded PNG: the server decodes it (28x28 as pixels, any other size as a drawing) and says what it did.
function uploadPng() {
  const file = $('png').files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = async () => {
    try {
      const answer = await api('/api/png', { png: reader.result });
      clearDrawing();
      setImage(answer.image, null);
      $('label').textContent = `${file.name}: ${answer.width}x${answer.height}` + (answer.fitted ? ', fitted to 28x28 as a drawing' : '') +
        (answer.inverted ? ', inverted (dark ink on light)' : '');
    } catch (e) { showError(e); }
    $('png').value = '';
  };
  reader.onerror = () => showError(reader.error);
  reader.readAsDataURL(file);
}

function setImage(image, label) {
  state.image = image;
  state.label = label;
  $('label').textContent = label === null ? '' : `true class: ${label}`;
  paintGrey($('digit'), image);
  update();
}

// ---- pictures ----
function paint(canvas, side, colour) {
  const small = document.createElement('canvas');
  small.width = side; small.height = side;
  const c = small.getContext('2d');
  const data = c.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const [r, g, b] = colour(i);
    data.data.set([r, g, b, 255], 4 * i);
  }
  c.putImageData(data, 0, 0);
  const big = canvas.getContext('2d');
  big.imageSmoothingEnabled = false;
  big.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function paintGrey(canvas, values, side = 28) {
  paint(canvas, side, i => { const v = Math.round(255 * Math.min(1, Math.max(0, values[i]))); return [v, v, v]; });
}

// Red for evidence for the class, blue against; full colour at the largest |value|, over the digit in grey.
function paintMap(canvas, map, image) {
  const top = Math.max(1e-12, ...map.map(Math.abs));
  paint(canvas, 28, i => {
    const a = Math.min(1, Math.abs(map[i]) / top), g = 40 + 60 * image[i];
    return map[i] >= 0 ? [g + (255 - g) * a, g * (1 - a), g * (1 - a)] : [g * (1 - a), g * (1 - a), g + (255 - g) * a];
  });
}

function showPrediction(before, after, other) {
  const body = $('probs').tBodies[0];
  body.textContent = '';
  for (let k = 0; k < before.probabilities.length; k++) {
    const row = body.insertRow();
    row.dataset.before = before.probabilities[k];
    if (after) row.dataset.after = after.probabilities[k];
    if (other) row.dataset.compare = other.probabilities[k] ?? '';
    row.insertCell().textContent = k;
    const cell = row.insertCell();
    cell.className = 'bars';
    const series = [[before.probabilities[k], 'before'], ...(after ? [[after.probabilities[k], 'after']] : []),
      ...(other && k < other.probabilities.length ? [[other.probabilities[k], 'compare']] : [])];
    for (const [p, kind] of series) {
      const bar = document.createElement('div');
      bar.className = `bar ${kind}`;
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      cell.appendChild(bar);
    }
    row.insertCell().textContent = (100 * before.probabilities[k]).toFixed(1) + '%' +
      (after ? ` → ${(100 * after.probabilities[k]).toFixed(1)}%` : '');
    if (other) row.insertCell().textContent = k < other.probabilities.length ? (100 * other.probabilities[k]).toFixed(1) + '%' : '';
  }
  $('compare-key').hidden = !other;
  $('predicted').dataset.compare = other ? other.predicted : '';
  if (other) $('compare-name').textContent = `${compared().id} predicts ${other.predicted}`;
  $('predicted').textContent = after ? `${before.predicted} → ${after.predicted}` : `${before.predicted}`;
  $('predicted').dataset.predicted = before.predicted;
  $('predicted').dataset.after = after ? after.predicted : '';
}

function showUnits(point, activation) {
  const units = $('units');
  units.textContent = '';
  const { shape, values } = activation;
  const channels = shape.length === 3 ? shape[0] : shape.length === 1 ? shape[0] : values.length;
  const size = values.length / channels;
  const score = c => { let s = 0; for (let j = 0; j < size; j++) s += values[c * size + j]; return s / size; };
  const scores = Array.from({ length: channels }, (_, c) => score(c));
  const top = Math.max(1e-12, ...scores.map(Math.abs));
  const ablated = state.ablations.get(point) || new Set();
  let best = 0;
  for (let c = 0; c < channels; c++) {
    if (scores[c] > scores[best]) best = c;
    let element;
    if (shape.length === 3) {
      element = document.createElement('canvas');
      element.className = 'channel';
      element.width = shape[2] * 3; element.height = shape[1] * 3;
      const slice = values.slice(c * size, (c + 1) * size), high = Math.max(1e-12, ...slice.map(Math.abs));
      paint(element, shape[1], i => { const v = Math.round(255 * Math.max(0, slice[i]) / high); return [v, v, v]; });
    } else {
      element = document.createElement('div');
      element.className = 'unit';
      const v = Math.round(255 * Math.max(0, scores[c]) / top);
      element.style.background = `rgb(${v}, ${v}, ${v})`;
    }
    element.dataset.unit = c;
    element.title = `${point} ${shape.length === 3 ? 'channel' : 'unit'} ${c}: ${scores[c].toFixed(3)}`;
    if (ablated.has(c)) element.classList.add('ablated');
    element.addEventListener('click', () => $('click').value === 'top' ? showTopImages(point, c) : toggle(point, c));
    units.appendChild(element);
  }
  $('most-active').dataset.unit = best;
  $('most-active').textContent = `most active: ${shape.length === 3 ? 'channel' : 'unit'} ${best} (${scores[best].toFixed(3)})`;
}

function toggle(point, unit) {
  const set = state.ablations.get(point) || new Set();
  if (set.has(unit)) set.delete(unit); else set.add(unit);
  if (set.size) state.ablations.set(point, set); else state.ablations.delete(point);
  update();
}

function ablationList() {
  const mode = $('mode').value;
  return [...state.ablations].map(([point, units]) => ({ point, units: [...units].sort((a, b) => a - b), mode }));
}

// ---- a unit's top test images and its mean map (computed by the server once per point) ----
async function showTopImages(point, unit) {
  const panel = $('unit-panel');
  panel.hidden = false;
  panel.dataset.state = 'busy';
  $('unit-title').textContent = `${point} ${unit}: computing its top test images…`;
  try {
    const answer = await api(`/api/units/${modelPath()}/${encodeURIComponent(point)}/${unit}`);
    const images = await Promise.all(answer.images.map(i => testImage(i.index)));
    const box = $('top-images');
    box.textContent = '';
    answer.images.forEach((item, k) => {
      const t = thumbnail(images[k].image, `test image ${item.index} (class ${images[k].label}): ${item.activation.toFixed(3)}`, () => showTest(item.index));
      t.dataset.index = item.index;
      box.appendChild(t);
    });
    const mean = new Array(784).fill(0);
    for (const i of images) for (let p = 0; p < 784; p++) mean[p] += i.image[p] / images.length;
    paintMap($('unit-map'), answer.map, mean);
    $('unit-title').textContent = `${point} ${unit}: its top test images`;
    panel.dataset.unit = `${point}/${unit}`;
    showError(null);
  } catch (e) { showError(e); $('unit-title').textContent = ''; }
  panel.dataset.state = 'ready';
}

// ---- the model's mistakes: counts by true and predicted class, a cell's images, a click reads one ----
async function openMistakes() {
  const panel = $('mistakes-panel');
  panel.dataset.state = 'busy';
  try {
    const answer = await api(`/api/mistakes/${modelPath()}`);
    $('mistakes-summary').textContent = `${answer.wrong.toLocaleString('en')} of ${answer.tested.toLocaleString('en')} test images wrong; ` +
      'rows: true class, columns: predicted class.';
    const body = $('confusion').tBodies[0];
    body.textContent = '';
    const head = body.insertRow();
    head.insertCell();
    answer.confusion.forEach((_, p) => { head.insertCell().textContent = p; });
    answer.confusion.forEach((row, l) => {
      const tr = body.insertRow();
      tr.insertCell().textContent = l;
      row.forEach((n, p) => {
        const cell = tr.insertCell();
        cell.textContent = n ? n : '';
        cell.dataset.count = n;
        cell.dataset.label = l;
        cell.dataset.predicted = p;
        if (n) { cell.className = 'count'; cell.addEventListener('click', () => showMistakes(cell, l, p)); }
      });
    });
    $('mistakes').textContent = '';
    showError(null);
  } catch (e) { showError(e); }
  panel.dataset.state = 'ready';
}

async function showMistakes(cell, label, predicted) {
  const panel = $('mistakes-panel');
  panel.dataset.state = 'busy';
  for (const c of document.querySelectorAll('#confusion td.chosen')) c.classList.remove('chosen');
  cell.classList.add('chosen');
  try {
    const answer = await api(`/api/mistakes/${modelPath()}?label=${label}&predicted=${predicted}`);
    // A cell can hold hundreds on a weak model: the first 48 are enough to look at.
    const shown = answer.mistakes.slice(0, 48);
    const images = await Promise.all(shown.map(m => testImage(m.index)));
    const box = $('mistakes');
    box.textContent = '';
    shown.forEach((m, k) => {
      const t = thumbnail(images[k].image, `test image ${m.index}: a ${m.label} read as ${m.predicted}`, () => showTest(m.index));
      Object.assign(t.dataset, { index: m.index, label: m.label, predicted: m.predicted });
      box.appendChild(t);
    });
    showError(null);
  } catch (e) { showError(e); }
  panel.dataset.state = 'ready';
}

// ---- the projector: the test images on a point's first two principal components (computed by the server once) ----
const classColours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

async function openProjector() {
  const panel = $('projector-panel');
  panel.dataset.state = 'busy';
  const point = $('projector-point').value;
  $('projector-summary').textContent = `projecting the test images at ${point}…`;
  try {
    const answer = await api(`/api/projection/${modelPath()}/${encodeURIComponent(point)}`);
    const canvas = $('projector'), margin = 8;
    const span = values => { let lo = Infinity, hi = -Infinity; for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); } return [lo, Math.max(hi - lo, 1e-12)]; };
    const [x0, dx] = span(answer.x), [y0, dy] = span(answer.y);
    const px = answer.x.map(v => margin + (v - x0) / dx * (canvas.width - 2 * margin));
    const py = answer.y.map(v => canvas.height - margin - (v - y0) / dy * (canvas.height - 2 * margin));
    state.projection = { model: model().id, answer, px, py };
    $('projector-summary').textContent = `${answer.x.length.toLocaleString('en')} test images at ${answer.point} on its first two principal ` +
      `components (${(100 * answer.explained[0]).toFixed(1)}% and ${(100 * answer.explained[1]).toFixed(1)}% of the variance; ` +
      `${answer.seconds.toFixed(2)} s on the server).`;
    await loadTestConcepts();
    panel.dataset.point = answer.point;
    drawProjection();
    showError(null);
  } catch (e) { showError(e); $('projector-summary').textContent = ''; }
  panel.dataset.state = 'ready';
}

// A continuous concept runs from dark blue through green to yellow (five stops, interpolated), by each image's rank: the
// colours then spread evenly however skewed the values are.
const rampStops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function ramp(t) {
  const x = Math.min(Math.max(t, 0), 1) * (rampStops.length - 1), i = Math.min(Math.floor(x), rampStops.length - 2), f = x - i;
  const [a, b] = [rampStops[i], rampStops[i + 1]];
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k] - v))).join(',')})`;
}

/** The test images' concepts, asked for once, listed under "colour by". */
async function loadTestConcepts() {
  if (state.testConcepts) return;
  const answer = await api('/api/concepts/test');
  state.testConcepts = new Map(answer.concepts.map(c => [c.name, c]));
  const group = $('projector-concepts');
  for (const c of answer.concepts) {
    const option = document.createElement('option');
    option.value = `concept:${c.name}`;
    option.textContent = c.name;
    option.title = c.description;
    group.appendChild(option);
  }
}

/** How to colour image i, and the legend's entries, for the choice in "colour by". */
function projectionColours(by, labels, predicted) {
  if (by === 'label') return { colour: i => classColours[labels[i] % 10], legend: classColours.map((k, i) => [k, String(i)]) };
  if (by === 'predicted') return { colour: i => classColours[predicted[i] % 10], legend: classColours.map((k, i) => [k, String(i)]) };
  if (by === 'correct') return { colour: i => labels[i] === predicted[i] ? '#73d216' : '#cc0000', legend: [['#73d216', 'right'], ['#cc0000', 'wrong']] };
  const concept = state.testConcepts.get(by.slice('concept:'.length));
  if (concept.classes && concept.classes.length <= classColours.length) {
    return { colour: i => classColours[concept.values[i]], legend: concept.classes.map((name, k) => [classColours[k], `${concept.name} ${name}`]) };
  }
  // More classes than colours (the Euler number's): their names are numbers, drawn on the ramp as a continuous concept's values.
  const values = concept.classes ? concept.values.map(v => Number(concept.classes[v])) : concept.values;
  const order = [...values.keys()].sort((a, b) => values[a] - values[b]), rank = new Float32Array(values.length);
  order.forEach((image, r) => { rank[image] = r / Math.max(order.length - 1, 1); });
  const at = q => values[order[Math.round(q * (order.length - 1))]];
  const number = v => Number(v.toPrecision(3)).toString();
  return {
    colour: i => ramp(rank[i]),
    legend: [[ramp(0), `${concept.name} ${number(at(0))} (lowest)`], [ramp(0.5), `${number(at(0.5))} (median)`], [ramp(1), `${number(at(1))} (highest)`]],
  };
}

function drawProjection() {
  const p = state.projection;
  if (!p) return;
  const canvas = $('projector'), c = canvas.getContext('2d'), by = $('projector-colour').value, { labels, predicted } = p.answer;
  c.clearRect(0, 0, canvas.width, canvas.height);
  const { colour, legend: entries } = projectionColours(by, labels, predicted);
  // Wrong ones last when colouring by correctness, so the few are not hidden under the many.
  const order = [...labels.keys()];
  if (by === 'correct') order.sort((a, b) => (labels[a] !== predicted[a]) - (labels[b] !== predicted[b]));
  for (const i of order) { c.fillStyle = colour(i); c.fillRect(p.px[i] - 1.5, p.py[i] - 1.5, 3, 3); }
  $('projector-panel').dataset.colour = by;
  const legend = $('projector-legend');
  legend.textContent = '';
  for (const [k, text] of entries) {
    const item = document.createElement('span'), swatch = document.createElement('i');
    swatch.style.background = k;
    item.append(swatch, text);
    legend.appendChild(item);
  }
}

/** The test image drawn nearest the mouse, if one lies within a few pixels of it. */
function projectedAt(e) {
  const p = state.projection;
  if (!p) return null;
  const canvas = $('projector'), r = canvas.getBoundingClientRect();
  // Inside the border: the drawing's pixels start at the canvas's content box.
  const x = (e.clientX - r.left - canvas.clientLeft) * canvas.width / canvas.clientWidth;
  const y = (e.clientY - r.top - canvas.clientTop) * canvas.height / canvas.clientHeight;
  let best = null, distance = 36;
  for (let i = 0; i < p.px.length; i++) {
    const d = (p.px[i] - x) ** 2 + (p.py[i] - y) ** 2;
    if (d < distance) { distance = d; best = i; }
  }
  return best;
}

/** The image's concepts and, when a point is chosen for probes, what each concept's probe there reads off it. */
function showConcepts(answer, probes) {
  const body = $('concepts').tBodies[0], readings = new Map((probes ? probes.readings : []).map(r => [r.concept, r]));
  body.textContent = '';
  for (const c of answer.concepts) {
    const row = body.insertRow();
    row.dataset.concept = c.name;
    row.title = c.description;
    row.insertCell().textContent = c.name;
    row.insertCell().textContent = Number.isInteger(c.value) ? c.value : c.value.toFixed(2);
    const r = readings.get(c.name);
    if (!r) continue;
    const read = r.class !== null ? `${r.class} (${(100 * r.probability).toFixed(0)}%)` : r.value.toFixed(2);
    row.dataset.reading = r.class !== null ? r.class : String(r.value);
    row.insertCell().textContent = `probe: ${read}`;
    row.insertCell().textContent = r.score === null ? '' : r.class !== null ? `accuracy ${r.score.toFixed(2)}` : `R² ${r.score.toFixed(2)}`;
  }
  $('probe-note').textContent = probes ? `Probes at ${probes.point} (${probes.features.toLocaleString('en')} values), fitted on ` +
    `${probes.fitted.toLocaleString('en')} test images and scored on the other ${probes.held_out.toLocaleString('en')} (accuracy or R² beside each; ` +
    `${probes.seconds.toFixed(2)} s on the server: the first request for a point fits them).` : '';
}

// ---- one update: every panel for the current image, model, method, point and ablations ----
async function update() {
  if (!state.image || !model()) return;
  const ticket = {};
  state.pending = ticket;
  document.body.dataset.state = 'busy';
  $('status').textContent = 'computing…';
  const m = model().id, image = state.image, point = $('point').value;
  const target = $('target').value === '' ? null : Number($('target').value);
  const ablations = ablationList();
  const other = compared(), method = $('method').value;
  // The second model's map only for a method that applies to it (exact IG and LRP do not to every model).
  const otherMethod = other && other.methods.includes(method) ? method : null;
  const probePoint = $('probe-point').value;
  try {
    const [explained, activations, ablated, concepts, otherPrediction, otherExplained, probes] = await Promise.all([
      api('/api/explain', { model: m, image, method: $('method').value, target }),
      api('/api/activations', { model: m, image, points: [point] }),
      ablations.length ? api('/api/ablate', { model: m, image, ablations }) : Promise.resolve(null),
      api('/api/concepts', { image }),
      other ? api('/api/predict', { model: other.id, image }) : Promise.resolve(null),
      otherMethod ? api('/api/explain', { model: other.id, image, method: otherMethod, target }) : Promise.resolve(null),
      probePoint ? api('/api/probe-readings', { model: m, image, point: probePoint }) : Promise.resolve(null),
    ]);
    if (state.pending !== ticket) return; // a newer update started meanwhile; it draws instead
    showError(null);
    showPrediction(activations.prediction, ablated && ablated.after, otherPrediction);
    showComparedMap(other, otherExplained, image, method);
    paintMap($('map'), explained.map, image);
    $('completeness').textContent = `${explained.method} for class ${explained.target}` + (explained.completeness_error === null ? ''
      : `; completeness error ${Number(explained.completeness_error).toExponential(2)}`) + ` (${(1000 * explained.seconds).toFixed(0)} ms)`;
    showUnits(point, activations.points[point]);
    showConcepts(concepts, probes);
    $('ablations').textContent = ablations.length ? ablations.map(a => `${a.point}: ${a.units.join(', ')} (${a.mode})`).join('; ') : 'none';
    $('status').textContent = '';
  } catch (e) {
    if (state.pending === ticket) { showError(e); $('status').textContent = ''; }
  } finally {
    if (state.pending === ticket) {
      document.body.dataset.state = 'ready';
      document.body.dataset.updates = Number(document.body.dataset.updates) + 1;
    }
  }
}

function showComparedMap(other, explained, image, method) {
  $('compare-map-box').hidden = !other;
  if (!other) return;
  if (!explained) {
    $('compare-map-title').textContent = `${method} does not apply to ${other.id}.`;
    $('compare-map').getContext('2d').clearRect(0, 0, 140, 140);
    $('compare-completeness').textContent = '';
    return;
  }
  $('compare-map-title').textContent = `${other.id}: ${explained.method} for class ${explained.target}`;
  paintMap($('compare-map'), explained.map, image);
  $('compare-completeness').textContent = explained.completeness_error === null ? ''
    : `completeness error ${Number(explained.completeness_error).toExponential(2)}`;
}

function chooseModel() {
  const m = model();
  if (!m) return;
  const accuracy = m.test_accuracy !== null ? `test accuracy ${(100 * m.test_accuracy).toFixed(2)}%`
    : m.validation_accuracy !== null ? `validation accuracy ${(100 * m.validation_accuracy).toFixed(2)}%` : '';
  $('card').textContent = `${m.kind}, ${m.parameters.toLocaleString('en')} parameters, ${m.source}${accuracy ? ', ' + accuracy : ''}`;
  const fill = (select, values, keep) => {
    select.textContent = '';
    for (const v of values) select.add(new Option(v, v));
    if (values.includes(keep)) select.value = keep;
  };
  fill($('method'), m.methods, $('method').value || 'ig');
  const points = m.points.filter(p => p.name !== 'input').map(p => p.name);
  // First shown: the last hidden layer after its non-linearity (relu1, block2), else the last hidden point.
  const hidden = points.filter(p => p !== 'output');
  const nonlinear = hidden.filter(p => /^(relu|block)/.test(p.split('.').pop()));
  fill($('point'), points, $('point').value || (nonlinear.length ? nonlinear : hidden)[(nonlinear.length ? nonlinear : hidden).length - 1]);
  const target = $('target').value;
  $('target').length = 1;
  for (let k = 0; k < m.classes; k++) $('target').add(new Option(k, k));
  $('target').value = target !== '' && Number(target) < m.classes ? target : '';
  state.ablations.clear();
  $('unit-panel').hidden = true;
  $('confusion').tBodies[0].textContent = '';
  $('mistakes').textContent = '';
  $('mistakes-summary').textContent = '';
  fill($('projector-point'), m.points.map(p => p.name), $('point').value);
  const probePoint = $('probe-point').value;
  fill($('probe-point'), ['', ...points.filter(p => p !== 'output')], probePoint);
  $('probe-point').options[0].textContent = 'none';
  state.projection = null;
  $('projector').getContext('2d').clearRect(0, 0, $('projector').width, $('projector').height);
  $('projector-summary').textContent = '';
  $('projector-legend').textContent = '';
  update();
}

// ---- the run folders' index and reports, linked as the server lists them ----
async function showRuns() {
  const list = $('runs');
  list.textContent = '';
  const link = (url, text) => {
    const a = document.createElement('a');
    a.href = url; a.textContent = text; a.target = '_blank'; a.rel = 'noopener';
    return a;
  };
  const answer = await api('/api/runs');
  for (const run of answer.runs) {
    const item = document.createElement('li');
    item.dataset.run = run.id;
    item.append(run.index ? link(run.index, `${run.id}: index`) : `${run.id}:`);
    run.reports.forEach((r, k) => item.append(k || run.index ? ' · ' : ' ', link(r.url, r.name)));
    if (!run.index && !run.reports.length) item.append(' no reports yet');
    list.appendChild(item);
  }
  if (!answer.runs.length) list.textContent = 'no run folders (start the server with --runs DIR).';
}

async function start() {
  clearDrawing();
  $('clear').addEventListener('click', () => { clearDrawing(); readDrawing(); });
  $('load-test').addEventListener('click', loadTest);
  $('png').addEventListener('change', uploadPng);
  $('model').addEventListener('change', chooseModel);
  $('compare').addEventListener('change', update);
  for (const id of ['method', 'target', 'point', 'mode', 'probe-point']) $(id).addEventListener('change', update);
  $('reset').addEventListener('click', () => { state.ablations.clear(); update(); });
  $('open-mistakes').addEventListener('click', openMistakes);
  $('open-projector').addEventListener('click', openProjector);
  $('projector-point').addEventListener('change', () => { if (state.projection) openProjector(); });
  $('projector-colour').addEventListener('change', drawProjection);
  $('projector').addEventListener('mousemove', e => {
    const i = projectedAt(e), a = state.projection && state.projection.answer;
    $('projector-hover').textContent = i === null ? '' : `test image ${i}: class ${a.labels[i]}, predicted ${a.predicted[i]}`;
    $('projector-digit').hidden = i === null;
    if (i !== null && state.hovered !== i) {
      state.hovered = i;
      testImage(i).then(t => { if (state.hovered === i) paintGrey($('projector-digit'), t.image); }).catch(showError);
    }
  });
  $('projector').addEventListener('click', e => { const i = projectedAt(e); if (i !== null) showTest(i); });
  try {
    const answer = await api('/api/models');
    state.models = answer.models;
    for (const m of state.models) { $('model').add(new Option(m.id, m.id)); $('compare').add(new Option(m.id, m.id)); }
    $('status').textContent = state.models.length ? '' : 'no models: start the server with --runs DIR or --models DIR';
    await showRuns();
    document.body.dataset.state = 'ready';
    chooseModel();
  } catch (e) { showError(e); }
}

start();
