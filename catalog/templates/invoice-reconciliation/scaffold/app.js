"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":invoices";
  const CURRENCY = {{.Config.currency}};
  const THREE_WAY = {{if eq .Config.matchingMode "three-way"}}true{{else}}false{{end}};
  const TOLERANCE_PERCENT = {{.Config.tolerancePercent}};
  const AUTO_APPROVE_BELOW = {{.Config.autoApproveBelow}};
  const BADGES = { approved: "ok", matched: "ok", exception: "bad", disputed: "warn" };

  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const form = document.getElementById("invoice-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("invoices");
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

  // The invoice is compared with the PO, and in three-way mode also with the
  // value of the goods received; the larger difference decides.
  function match(inv) {
    const allowed = (inv.poAmount * TOLERANCE_PERCENT) / 100;
    const references = THREE_WAY ? [inv.poAmount, inv.receivedAmount] : [inv.poAmount];
    let variance = 0;
    for (const ref of references) {
      const diff = inv.invoiceAmount - ref;
      if (Math.abs(diff) > Math.abs(variance)) variance = diff;
    }
    const withinTolerance = Math.abs(variance) <= allowed + 0.005;
    let state = "exception";
    if (withinTolerance) state = AUTO_APPROVE_BELOW > 0 && inv.invoiceAmount < AUTO_APPROVE_BELOW ? "approved" : "matched";
    return { variance: Math.round(variance * 100) / 100, status: state };
  }

  function setStatus(id, next) {
    save(load().map(function (i) { return i.id === id ? Object.assign({}, i, { status: next }) : i; }));
    render();
  }

  function actionButton(label, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className + " small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    const list = load();
    const sums = { approved: 0, matched: 0, exception: 0, disputed: 0 };
    tbody.replaceChildren();
    for (const inv of list) {
      sums[inv.status] += inv.invoiceAmount;
      const row = document.createElement("tr");
      const id = document.createElement("td");
      id.textContent = inv.vendor + " · " + inv.invoiceNumber + " (PO " + inv.poNumber + ")";
      const amount = document.createElement("td");
      amount.className = "amount";
      amount.textContent = money.format(inv.invoiceAmount);
      const variance = document.createElement("td");
      variance.className = "amount" + (inv.variance > 0 ? " variance-over" : inv.variance < 0 ? " variance-under" : "");
      variance.textContent = (inv.variance > 0 ? "+" : "") + money.format(inv.variance);
      const state = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge " + BADGES[inv.status];
      badge.textContent = inv.status;
      state.appendChild(badge);
      const actions = document.createElement("td");
      if (inv.status === "matched") {
        actions.appendChild(actionButton("Approve", "", function () { setStatus(inv.id, "approved"); }));
      } else if (inv.status === "exception") {
        actions.append(
          actionButton("Accept", "secondary", function () { setStatus(inv.id, "approved"); }),
          actionButton("Dispute", "danger", function () { setStatus(inv.id, "disputed"); })
        );
      }
      row.append(id, amount, variance, state, actions);
      tbody.appendChild(row);
    }
    document.getElementById("sum-approved").textContent = money.format(sums.approved);
    document.getElementById("sum-matched").textContent = money.format(sums.matched);
    document.getElementById("sum-exceptions").textContent = money.format(sums.exception + sums.disputed);
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const inv = {
      vendor: String(data.get("vendor") || "").trim(),
      invoiceNumber: String(data.get("invoiceNumber") || "").trim(),
      poNumber: String(data.get("poNumber") || "").trim(),
      poAmount: Number(data.get("poAmount")),
      invoiceAmount: Number(data.get("invoiceAmount")),
      receivedAmount: THREE_WAY ? Number(data.get("receivedAmount")) : null
    };
    const amounts = THREE_WAY ? [inv.poAmount, inv.invoiceAmount, inv.receivedAmount] : [inv.poAmount, inv.invoiceAmount];
    let problem = "";
    if (inv.vendor === "" || inv.invoiceNumber === "" || inv.poNumber === "") problem = "Supplier, invoice number and PO number are required.";
    else if (amounts.some(function (a) { return !(a > 0); })) problem = "Enter every amount as a positive number.";
    else if (load().some(function (i) { return i.vendor === inv.vendor && i.invoiceNumber === inv.invoiceNumber; })) problem = "This invoice was already recorded (possible duplicate).";
    if (problem) {
      status.classList.add("is-error");
      status.textContent = problem;
      return;
    }
    const result = match(inv);
    const list = load();
    list.unshift(Object.assign(inv, result, {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      recordedAt: new Date().toISOString()
    }));
    save(list);
    form.reset();
    status.classList.toggle("is-error", result.status === "exception");
    status.textContent = result.status === "exception"
      ? "Variance of " + money.format(result.variance) + " is outside tolerance; sent to exceptions."
      : "Invoice matched" + (result.status === "approved" ? " and approved for payment." : ".");
    render();
  });

  render();
})();
