"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":submissions";
  const REQUIRE_CONSENT = {{if .Config.requireConsent}}true{{else}}false{{end}};
  const FIELDS = [
{{- range .Config.fields}}
    { name: {{.name}}, label: {{.label}}, type: {{.type}}, required: {{if .required}}true{{else}}false{{end}} },
{{- end}}
  ];

  const form = document.getElementById("intake-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("submissions");
  const emptyState = document.getElementById("empty-state");
  const clearButton = document.getElementById("clear-submissions");

  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY)) || [];
    } catch (err) {
      return [];
    }
  }

  function save(list) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
  }

  function validate(values) {
    const errors = {};
    for (const field of FIELDS) {
      const value = values[field.name].trim();
      if (value === "") {
        if (field.required) errors[field.name] = field.label + " is required.";
        continue;
      }
      if (field.type === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
        errors[field.name] = "Enter a valid email address.";
      } else if (field.type === "number" && !Number.isFinite(Number(value))) {
        errors[field.name] = "Enter a number.";
      } else if (field.type === "date" && Number.isNaN(Date.parse(value))) {
        errors[field.name] = "Enter a valid date.";
      }
    }
    return errors;
  }

  function showErrors(errors) {
    for (const field of FIELDS) {
      const wrapper = form.querySelector('[data-field="' + field.name + '"]');
      if (!wrapper) continue;
      wrapper.classList.toggle("invalid", Boolean(errors[field.name]));
      wrapper.querySelector(".error").textContent = errors[field.name] || "";
    }
    const consentError = document.getElementById("consent-error");
    if (consentError) consentError.textContent = errors.consent || "";
  }

  function render() {
    const list = load();
    tbody.replaceChildren();
    for (const entry of list) {
      const row = document.createElement("tr");
      for (const field of FIELDS) {
        const cell = document.createElement("td");
        cell.textContent = entry.values[field.name] || "—";
        row.appendChild(cell);
      }
      const received = document.createElement("td");
      received.textContent = new Date(entry.submittedAt).toLocaleString();
      row.appendChild(received);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
    clearButton.hidden = list.length === 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const values = {};
    for (const field of FIELDS) values[field.name] = String(data.get(field.name) || "");
    const errors = validate(values);
    if (REQUIRE_CONSENT && !data.get("consent")) errors.consent = "Please give your consent to continue.";
    showErrors(errors);
    if (Object.keys(errors).length > 0) {
      status.classList.add("is-error");
      status.textContent = "Please correct the highlighted fields.";
      return;
    }
    const list = load();
    list.unshift({ values: values, consent: Boolean(data.get("consent")), submittedAt: new Date().toISOString() });
    save(list);
    form.reset();
    status.classList.remove("is-error");
    status.textContent = "Thank you, your form was received.";
    render();
  });

  clearButton.addEventListener("click", function () {
    if (window.confirm("Delete all stored forms from this device?")) {
      save([]);
      render();
    }
  });

  render();
})();
