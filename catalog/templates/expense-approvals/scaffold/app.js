"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":claims";
  const CURRENCY = {{.Config.currency}};
  const MAX_AMOUNT = {{.Config.maxAmount}};
  const AUTO_APPROVE_BELOW = {{.Config.autoApproveBelow}};
  const REQUIRE_RECEIPT = {{if .Config.requireReceipt}}true{{else}}false{{end}};
  const BADGES = { pending: "warn", approved: "ok", "auto-approved": "ok", rejected: "bad" };

  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const form = document.getElementById("claim-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("claims");
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

  function fail(message) {
    status.classList.add("is-error");
    status.textContent = message;
  }

  function decide(id, decision) {
    let reason = "";
    if (decision === "rejected") {
      reason = window.prompt("Reason for rejection:") || "";
      if (reason.trim() === "") return;
    }
    save(load().map(function (c) {
      return c.id === id ? Object.assign({}, c, { status: decision, reason: reason.trim(), decidedAt: new Date().toISOString() }) : c;
    }));
    render();
  }

  function button(label, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    const list = load();
    const totals = { pending: 0, approved: 0, rejected: 0 };
    tbody.replaceChildren();
    for (const claim of list) {
      totals[claim.status === "auto-approved" ? "approved" : claim.status] += claim.amount;
      const row = document.createElement("tr");
      const employee = document.createElement("td");
      employee.textContent = claim.employee;
      employee.title = claim.purpose;
      const category = document.createElement("td");
      category.textContent = claim.category;
      const amount = document.createElement("td");
      amount.className = "amount";
      amount.textContent = money.format(claim.amount);
      const state = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge " + BADGES[claim.status];
      badge.textContent = claim.status;
      state.appendChild(badge);
      if (claim.reason) state.title = claim.reason;
      const actions = document.createElement("td");
      if (claim.status === "pending") {
        const box = document.createElement("div");
        box.className = "decision";
        box.append(
          button("Approve", "small", function () { decide(claim.id, "approved"); }),
          button("Reject", "danger small", function () { decide(claim.id, "rejected"); })
        );
        actions.appendChild(box);
      }
      row.append(employee, category, amount, state, actions);
      tbody.appendChild(row);
    }
    document.getElementById("total-pending").textContent = money.format(totals.pending);
    document.getElementById("total-approved").textContent = money.format(totals.approved);
    document.getElementById("total-rejected").textContent = money.format(totals.rejected);
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const employee = String(data.get("employee") || "").trim();
    const purpose = String(data.get("purpose") || "").trim();
    const amount = Math.round(Number(data.get("amount")) * 100) / 100;
    if (employee === "" || purpose === "" || !data.get("spentOn")) return fail("Employee, date and purpose are required.");
    if (!(amount > 0)) return fail("Enter an amount greater than zero.");
    if (amount > MAX_AMOUNT) return fail("Claims are limited to " + money.format(MAX_AMOUNT) + ".");
    if (REQUIRE_RECEIPT && !data.get("receipt")) return fail("Please attach and confirm the receipt.");
    const auto = amount < AUTO_APPROVE_BELOW;
    const list = load();
    list.unshift({
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      employee: employee,
      category: String(data.get("category")),
      amount: amount,
      spentOn: String(data.get("spentOn")),
      purpose: purpose,
      status: auto ? "auto-approved" : "pending",
      submittedAt: new Date().toISOString()
    });
    save(list);
    form.reset();
    status.classList.remove("is-error");
    status.textContent = auto ? "Claim approved automatically." : "Claim sent for approval.";
    render();
  });

  document.getElementById("amount-help").textContent =
    "Up to " + money.format(MAX_AMOUNT) + (AUTO_APPROVE_BELOW > 0 ? "; below " + money.format(AUTO_APPROVE_BELOW) + " is approved automatically." : ".");
  render();
})();
