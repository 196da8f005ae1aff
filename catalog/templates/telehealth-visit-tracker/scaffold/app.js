"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":visits";
  const FOLLOW_UP_DAYS = {{.Config.followUpDays}};
  const NOTES = {{if .Config.enableVisitNotes}}true{{else}}false{{end}};
  const BADGES = { scheduled: "", completed: "ok", "no-show": "bad", cancelled: "warn" };

  const form = document.getElementById("visit-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("visits");
  const emptyState = document.getElementById("empty-state");
  const filterButtons = document.querySelectorAll("[data-filter]");
  let filter = "all";

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

  function today() {
    const now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 10);
  }

  function addDays(isoDate, days) {
    const d = new Date(isoDate + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function followUpOf(visit) {
    if (FOLLOW_UP_DAYS === 0 || visit.status !== "completed" || visit.followedUp) return "";
    return addDays(visit.date, FOLLOW_UP_DAYS);
  }

  function percent(part, whole) {
    return whole === 0 ? "0%" : Math.round((part / whole) * 100) + "%";
  }

  function renderStats(list) {
    const held = list.filter(function (v) { return v.status === "completed" || v.status === "no-show"; });
    const completed = held.filter(function (v) { return v.status === "completed"; }).length;
    const due = list.filter(function (v) { const f = followUpOf(v); return f !== "" && f <= today(); }).length;
    document.getElementById("stat-total").textContent = String(list.length);
    document.getElementById("stat-completed").textContent = percent(completed, held.length);
    document.getElementById("stat-noshow").textContent = percent(held.length - completed, held.length);
    document.getElementById("stat-due").textContent = String(due);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render() {
    const list = load().sort(function (a, b) { return b.date.localeCompare(a.date); });
    renderStats(list);
    const shown = list.filter(function (v) { return filter === "all" || v.status === filter; });
    tbody.replaceChildren();
    for (const visit of shown) {
      const row = document.createElement("tr");
      const patient = cell(visit.patientRef);
      if (NOTES && visit.notes) patient.title = visit.notes;
      const badge = document.createElement("span");
      badge.className = "badge " + (BADGES[visit.status] || "");
      badge.textContent = visit.status;
      const statusCell = document.createElement("td");
      statusCell.appendChild(badge);
      const due = followUpOf(visit);
      const actions = document.createElement("td");
      if (due !== "") {
        const done = document.createElement("button");
        done.type = "button";
        done.className = "secondary small";
        done.textContent = "Follow-up done";
        done.addEventListener("click", function () { update(visit.id, { followedUp: true }); });
        actions.appendChild(done);
      } else if (visit.status === "scheduled") {
        const complete = document.createElement("button");
        complete.type = "button";
        complete.className = "secondary small";
        complete.textContent = "Mark completed";
        complete.addEventListener("click", function () { update(visit.id, { status: "completed" }); });
        actions.appendChild(complete);
      }
      row.append(cell(visit.date), patient, cell(visit.provider), cell(visit.visitType), statusCell,
        cell(due || "—", due !== "" && due <= today() ? "overdue" : ""), actions);
      tbody.appendChild(row);
    }
    emptyState.hidden = shown.length > 0;
  }

  function update(id, changes) {
    save(load().map(function (v) { return v.id === id ? Object.assign({}, v, changes) : v; }));
    render();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const patientRef = String(data.get("patientRef") || "").trim();
    const date = String(data.get("date") || "");
    if (patientRef === "" || date === "") {
      status.classList.add("is-error");
      status.textContent = "Patient reference and date are required.";
      return;
    }
    const list = load();
    list.push({
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      patientRef: patientRef,
      provider: String(data.get("provider")),
      visitType: String(data.get("visitType")),
      date: date,
      status: String(data.get("status")),
      notes: NOTES ? String(data.get("notes") || "").trim() : "",
      followedUp: false
    });
    save(list);
    form.reset();
    form.elements.date.value = today();
    status.classList.remove("is-error");
    status.textContent = "Visit saved.";
    render();
  });

  for (const button of filterButtons) {
    button.addEventListener("click", function () {
      filter = button.dataset.filter;
      for (const b of filterButtons) b.setAttribute("aria-pressed", String(b === button));
      render();
    });
  }

  form.elements.date.value = today();
  render();
})();
