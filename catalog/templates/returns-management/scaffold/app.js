"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":returns";
  const WINDOW_DAYS = {{.Config.returnWindowDays}};
  const REQUIRE_PHOTOS = {{if .Config.requirePhotos}}true{{else}}false{{end}};
  const REASONS = [{{range $i, $r := .Config.reasons}}{{if $i}}, {{end}}{{$r}}{{end}}];
  const STAGES = ["authorised", "received", "inspected", "completed"];
  const LABELS = { refund: "Refund", store_credit: "Store credit", exchange: "Exchange" };

  const form = document.getElementById("return-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("returns");
  const bars = document.getElementById("reason-bars");
  const emptyState = document.getElementById("empty-state");

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

  function daysSince(isoDate) {
    return Math.floor((Date.now() - Date.parse(isoDate + "T00:00:00")) / 86400000);
  }

  function newRMA() {
    return "RMA-" + Date.now().toString(36).toUpperCase().slice(-6) + Math.floor(Math.random() * 90 + 10);
  }

  function fail(message) {
    status.classList.add("is-error");
    status.textContent = message;
  }

  function renderBars(list) {
    bars.replaceChildren();
    for (const reason of REASONS) {
      const count = list.filter(function (r) { return r.reason === reason; }).length;
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = reason;
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = Math.max(1, list.length);
      meter.value = count;
      const n = document.createElement("span");
      n.textContent = String(count);
      li.append(label, meter, n);
      bars.appendChild(li);
    }
  }

  function advance(rma) {
    save(load().map(function (r) {
      return r.rma === rma ? Object.assign({}, r, { stage: STAGES[Math.min(STAGES.indexOf(r.stage) + 1, STAGES.length - 1)] }) : r;
    }));
    render();
  }

  function render() {
    const list = load();
    renderBars(list);
    tbody.replaceChildren();
    for (const r of list) {
      const row = document.createElement("tr");
      const rma = document.createElement("td");
      rma.className = "rma";
      rma.textContent = r.rma;
      const item = document.createElement("td");
      item.textContent = r.item + " (order " + r.orderNumber + ") · " + r.reason;
      const resolution = document.createElement("td");
      resolution.textContent = LABELS[r.resolution] || r.resolution;
      const stage = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge" + (r.stage === "completed" ? " ok" : "");
      badge.textContent = r.stage;
      stage.appendChild(badge);
      const actions = document.createElement("td");
      if (r.stage !== "completed") {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "secondary small";
        const next = STAGES[STAGES.indexOf(r.stage) + 1];
        b.textContent = next === "completed" ? "Issue " + (LABELS[r.resolution] || r.resolution).toLowerCase() : "Mark " + next;
        b.addEventListener("click", function () { advance(r.rma); });
        actions.appendChild(b);
      }
      row.append(rma, item, resolution, stage, actions);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const request = {
      orderNumber: String(data.get("orderNumber") || "").trim(),
      purchaseDate: String(data.get("purchaseDate") || ""),
      item: String(data.get("item") || "").trim(),
      reason: String(data.get("reason") || ""),
      resolution: String(data.get("resolution") || "")
    };
    if (request.orderNumber === "" || request.item === "" || request.purchaseDate === "") return fail("Order number, purchase date and item are required.");
    if (request.reason === "") return fail("Choose a reason for the return.");
    const age = daysSince(request.purchaseDate);
    if (age < 0) return fail("The purchase date cannot be in the future.");
    if (age > WINDOW_DAYS) return fail("This purchase is " + age + " days old; returns are accepted within " + WINDOW_DAYS + " days.");
    if (REQUIRE_PHOTOS && /damage/i.test(request.reason) && !data.get("photos")) return fail("Please confirm you have photos of the damage.");
    const list = load();
    const rma = newRMA();
    list.unshift(Object.assign(request, { rma: rma, stage: "authorised", requestedAt: new Date().toISOString() }));
    save(list);
    form.reset();
    status.classList.remove("is-error");
    status.textContent = "Return authorised. Write " + rma + " on the parcel and send it back within 14 days.";
    render();
  });

  render();
})();
