"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":candidates";
  const MIN_AGE = {{.Config.ageRange.min}};
  const MAX_AGE = {{.Config.ageRange.max}};
  const QUESTIONS = [
{{- range .Config.eligibilityQuestions}}
    { id: {{.id}}, expected: {{.expected}} },
{{- end}}
  ];
  const STATUSES = ["new", "contacted", "screening booked", "enrolled", "not eligible"];

  const screening = document.getElementById("screening-form");
  const screenStatus = document.getElementById("screen-status");
  const ineligible = document.getElementById("result-ineligible");
  const contact = document.getElementById("contact-form");
  const contactStatus = document.getElementById("contact-status");
  const tbody = document.getElementById("candidates");
  const emptyState = document.getElementById("empty-state");
  let screenedAge = null;

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

  screening.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(screening);
    const age = Number(data.get("age"));
    const unanswered = QUESTIONS.filter(function (q) { return !data.get("q-" + q.id); });
    if (!data.get("age") || !Number.isInteger(age) || age < 0 || unanswered.length > 0) {
      screenStatus.textContent = "Please enter your age and answer every question.";
      return;
    }
    screenStatus.textContent = "";
    const eligible = age >= MIN_AGE && age <= MAX_AGE &&
      QUESTIONS.every(function (q) { return data.get("q-" + q.id) === q.expected; });
    screenedAge = eligible ? age : null;
    ineligible.hidden = eligible;
    contact.hidden = !eligible;
  });

  contact.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(contact);
    const name = String(data.get("name") || "").trim();
    const email = String(data.get("email") || "").trim();
    let problem = "";
    if (screenedAge === null) problem = "Please complete the eligibility check first.";
    else if (name === "") problem = "Enter your name.";
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problem = "Enter a valid email address.";
    else if (!data.get("consent")) problem = "Please agree to be contacted.";
    if (problem) {
      contactStatus.classList.add("is-error");
      contactStatus.textContent = problem;
      return;
    }
    const list = load();
    list.unshift({
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      name: name,
      email: email,
      phone: String(data.get("phone") || "").trim(),
      age: screenedAge,
      receivedAt: new Date().toISOString(),
      status: "new"
    });
    save(list);
    contact.reset();
    screening.reset();
    contact.hidden = true;
    screenedAge = null;
    screenStatus.classList.remove("is-error");
    screenStatus.textContent = "Thank you. The study team will be in touch.";
    render();
  });

  function render() {
    const list = load();
    tbody.replaceChildren();
    for (const candidate of list) {
      const row = document.createElement("tr");
      const who = document.createElement("td");
      who.textContent = candidate.name + " <" + candidate.email + ">" + (candidate.phone ? " · " + candidate.phone : "");
      const age = document.createElement("td");
      age.textContent = String(candidate.age);
      const received = document.createElement("td");
      received.textContent = new Date(candidate.receivedAt).toLocaleDateString();
      const statusCell = document.createElement("td");
      const select = document.createElement("select");
      select.setAttribute("aria-label", "Status of " + candidate.name);
      for (const s of STATUSES) {
        const option = document.createElement("option");
        option.value = s;
        option.textContent = s;
        option.selected = s === candidate.status;
        select.appendChild(option);
      }
      select.addEventListener("change", function () {
        save(load().map(function (c) { return c.id === candidate.id ? Object.assign({}, c, { status: select.value }) : c; }));
      });
      statusCell.appendChild(select);
      row.append(who, age, received, statusCell);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  render();
})();
