"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":appointments";
  const OPEN = {{.Config.businessHours.open}};
  const CLOSE = {{.Config.businessHours.close}};
  const SLOT_MINUTES = {{.Config.slotMinutes}};
  const REMINDERS = {{if .Config.enableReminders}}true{{else}}false{{end}};
  const REMINDER_HOURS = {{.Config.reminderHoursBefore}};
  const TYPES = [
{{- range .Config.appointmentTypes}}
    { name: {{.name}}, minutes: {{.durationMinutes}} },
{{- end}}
  ];

  const form = document.getElementById("booking-form");
  const typeSelect = document.getElementById("visit-type");
  const dateInput = document.getElementById("visit-date");
  const slotsBox = document.getElementById("slots");
  const noSlots = document.getElementById("no-slots");
  const status = document.getElementById("form-status");
  const agenda = document.getElementById("agenda");
  const emptyState = document.getElementById("empty-state");
  let selectedStart = null;

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

  function minutesOf(hhmm) {
    const parts = hhmm.split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }

  function formatTime(minutes) {
    const h = String(Math.floor(minutes / 60)).padStart(2, "0");
    const m = String(minutes % 60).padStart(2, "0");
    return h + ":" + m;
  }

  function today() {
    const now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 10);
  }

  // Free start times: inside opening hours, not overlapping another booking,
  // and not in the past.
  function freeSlots(date, duration) {
    const booked = load().filter(function (a) { return a.date === date; });
    const now = new Date();
    const nowMinutes = date === today() ? now.getHours() * 60 + now.getMinutes() : -1;
    const slots = [];
    for (let start = minutesOf(OPEN); start + duration <= minutesOf(CLOSE); start += SLOT_MINUTES) {
      const end = start + duration;
      const clash = booked.some(function (a) { return start < a.end && a.start < end; });
      if (!clash && start > nowMinutes) slots.push(start);
    }
    return slots;
  }

  function renderSlots() {
    slotsBox.replaceChildren();
    selectedStart = null;
    const type = TYPES[Number(typeSelect.value)];
    if (!dateInput.value || !type) {
      noSlots.hidden = true;
      return;
    }
    const slots = freeSlots(dateInput.value, type.minutes);
    for (const start of slots) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "slot";
      button.textContent = formatTime(start);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        selectedStart = start;
        for (const b of slotsBox.children) b.setAttribute("aria-pressed", String(b === button));
      });
      slotsBox.appendChild(button);
    }
    noSlots.hidden = slots.length > 0;
  }

  function renderAgenda() {
    const list = load()
      .filter(function (a) { return a.date >= today(); })
      .sort(function (a, b) { return (a.date + formatTime(a.start)).localeCompare(b.date + formatTime(b.start)); });
    agenda.replaceChildren();
    for (const appt of list) {
      const item = document.createElement("li");
      const text = document.createElement("div");
      const when = document.createElement("time");
      when.dateTime = appt.date + "T" + formatTime(appt.start);
      when.textContent = appt.date + " " + formatTime(appt.start) + "–" + formatTime(appt.end);
      const who = document.createElement("div");
      who.textContent = appt.type + " · " + appt.patientName;
      text.append(when, who);
      if (REMINDERS) {
        const note = document.createElement("div");
        note.className = "muted";
        note.textContent = "Reminder to " + appt.patientEmail + " " + REMINDER_HOURS + " h before";
        text.appendChild(note);
      }
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "danger small";
      cancel.textContent = "Cancel";
      cancel.addEventListener("click", function () {
        save(load().filter(function (a) { return a.id !== appt.id; }));
        renderAgenda();
        renderSlots();
      });
      item.append(text, cancel);
      agenda.appendChild(item);
    }
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const type = TYPES[Number(typeSelect.value)];
    const name = form.elements.patientName.value.trim();
    const email = form.elements.patientEmail.value.trim();
    let problem = "";
    if (!dateInput.value) problem = "Choose a day.";
    else if (selectedStart === null) problem = "Choose one of the available times.";
    else if (name === "") problem = "Enter your name.";
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problem = "Enter a valid email address.";
    if (problem) {
      status.classList.add("is-error");
      status.textContent = problem;
      return;
    }
    const list = load();
    list.push({
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      date: dateInput.value,
      start: selectedStart,
      end: selectedStart + type.minutes,
      type: type.name,
      patientName: name,
      patientEmail: email
    });
    save(list);
    status.classList.remove("is-error");
    status.textContent = "Booked " + type.name + " on " + dateInput.value + " at " + formatTime(selectedStart) + ".";
    form.elements.patientName.value = "";
    form.elements.patientEmail.value = "";
    renderSlots();
    renderAgenda();
  });

  dateInput.min = today();
  dateInput.value = today();
  typeSelect.addEventListener("change", renderSlots);
  dateInput.addEventListener("change", renderSlots);
  renderSlots();
  renderAgenda();
})();
