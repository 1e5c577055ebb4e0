// The launch form: one input per trainer @Config field, from GET /api/launch/fields; POST /api/runs with the token.

const fieldsBody = document.getElementById('fields');
const errorBox = document.getElementById('error');
const launched = document.getElementById('launched');

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

function inputFor(field) {
  const input = document.createElement(field.values ? 'select' : 'input');
  input.name = field.name;
  input.id = `field-${field.name}`;
  if (field.values) {
    for (const v of field.values) {
      const option = document.createElement('option');
      option.value = option.textContent = v;
      input.append(option);
    }
  } else {
    const numeric = ['int', 'long', 'double', 'float'].includes(field.type);
    input.type = numeric ? 'number' : 'text';
    if (numeric) input.step = 'any';
  }
  if (field.default !== undefined && field.default !== null) input.value = field.default;
  input.dataset.type = field.type;
  return input;
}

async function loadFields() {
  const res = await fetch('api/launch/fields', { headers: { accept: 'application/json' } });
  const body = await res.json();
  for (const field of body.fields) {
    const row = document.createElement('tr');
    const label = document.createElement('th');
    const l = document.createElement('label');
    l.htmlFor = `field-${field.name}`;
    l.textContent = field.name;
    label.append(l);
    const cell = document.createElement('td');
    cell.append(inputFor(field));
    const help = document.createElement('td');
    help.className = 'muted';
    help.textContent = `${field.type} · ${field.description ?? ''}`;
    row.append(label, cell, help);
    fieldsBody.append(row);
  }
}

function formValues(form) {
  const values = {};
  for (const input of form.querySelectorAll('[data-type]')) {
    if (input.value === '') continue;
    const numeric = ['int', 'long', 'double', 'float'].includes(input.dataset.type);
    values[input.name] = numeric ? Number(input.value) : input.value;
  }
  return values;
}

document.getElementById('launch-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const token = document.getElementById('token').value;
  const res = await fetch('api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(formValues(event.target)),
  });
  let body = {};
  try {
    body = await res.json();
  } catch {
    // reported by status below
  }
  if (!res.ok) {
    showError(`${body.error ?? `HTTP ${res.status}`}: ${body.detail ?? ''}`);
    return;
  }
  launched.hidden = false;
  launched.textContent = '';
  const link = document.createElement('a');
  link.href = body.url;
  link.textContent = body.id;
  launched.append(`Run ${body.status}: `, link);
});

loadFields().catch((e) => showError(`cannot load the form: ${e.message}`));
