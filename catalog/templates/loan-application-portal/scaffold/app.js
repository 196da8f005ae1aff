"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":applications";
  const CURRENCY = {{.Config.currency}};
  const MAX_TERM = {{.Config.maxTermMonths}};
  const EMPLOYMENT = {{if .Config.requireEmploymentInfo}}true{{else}}false{{end}};
  const PRODUCTS = [
{{- range .Config.loanProducts}}
    { name: {{.name}}, min: {{.minAmount}}, max: {{.maxAmount}}, apr: {{.aprPercent}} },
{{- end}}
  ];
  const STATUSES = ["submitted", "in review", "approved", "declined"];

  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const form = document.getElementById("loan-form");
  const productSelect = document.getElementById("product");
  const amountInput = document.getElementById("amount");
  const termInput = document.getElementById("term");
  const monthly = document.getElementById("monthly");
  const detail = document.getElementById("estimate-detail");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("applications");
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

  // Standard annuity formula; a zero rate repays in equal parts.
  function payment(principal, aprPercent, months) {
    const r = aprPercent / 100 / 12;
    if (r === 0) return principal / months;
    return (principal * r) / (1 - Math.pow(1 + r, -months));
  }

  function current() {
    const product = PRODUCTS[Number(productSelect.value)];
    const amount = Number(amountInput.value);
    const term = Number(termInput.value);
    let problem = "";
    if (!(amount >= product.min && amount <= product.max)) {
      problem = product.name + " amounts range from " + money.format(product.min) + " to " + money.format(product.max) + ".";
    } else if (!Number.isInteger(term) || term < 6 || term > MAX_TERM) {
      problem = "Choose a term between 6 and " + MAX_TERM + " months.";
    }
    return { product: product, amount: amount, term: term, problem: problem };
  }

  function updateEstimate() {
    const c = current();
    amountInput.min = String(c.product.min);
    amountInput.max = String(c.product.max);
    if (c.problem) {
      monthly.textContent = "—";
      detail.textContent = c.problem;
      return;
    }
    const pay = payment(c.amount, c.product.apr, c.term);
    monthly.textContent = money.format(pay);
    detail.textContent = "Total repaid " + money.format(pay * c.term) + " at " + c.product.apr + "% APR over " + c.term + " months.";
  }

  function render() {
    const list = load();
    tbody.replaceChildren();
    for (const app of list) {
      const row = document.createElement("tr");
      const cells = [
        app.fullName + " <" + app.email + ">",
        app.product + " · " + app.term + " mo",
        money.format(app.amount),
        app.income > 0 ? Math.round((app.payment / app.income) * 100) + "%" : "n/a"
      ];
      cells.forEach(function (text, i) {
        const td = document.createElement("td");
        td.textContent = text;
        if (i >= 2) td.className = "amount";
        row.appendChild(td);
      });
      const statusCell = document.createElement("td");
      const select = document.createElement("select");
      select.setAttribute("aria-label", "Status of " + app.fullName);
      for (const s of STATUSES) {
        const option = document.createElement("option");
        option.textContent = s;
        option.selected = s === app.status;
        select.appendChild(option);
      }
      select.addEventListener("change", function () {
        save(load().map(function (a) { return a.id === app.id ? Object.assign({}, a, { status: select.value }) : a; }));
      });
      statusCell.appendChild(select);
      row.appendChild(statusCell);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const c = current();
    const data = new FormData(form);
    const fullName = String(data.get("fullName") || "").trim();
    const email = String(data.get("email") || "").trim();
    const income = Number(data.get("income"));
    let problem = c.problem;
    if (!problem && fullName === "") problem = "Enter your full name.";
    if (!problem && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problem = "Enter a valid email address.";
    if (!problem && !(income >= 0 && data.get("income") !== "")) problem = "Enter your monthly income.";
    if (!problem && EMPLOYMENT && !data.get("employment")) problem = "Select your employment status.";
    if (problem) {
      status.classList.add("is-error");
      status.textContent = problem;
      return;
    }
    const list = load();
    list.unshift({
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      product: c.product.name,
      amount: c.amount,
      term: c.term,
      payment: payment(c.amount, c.product.apr, c.term),
      fullName: fullName,
      email: email,
      income: income,
      employment: EMPLOYMENT ? String(data.get("employment")) : "",
      employer: EMPLOYMENT ? String(data.get("employer") || "").trim() : "",
      status: "submitted",
      submittedAt: new Date().toISOString()
    });
    save(list);
    form.reset();
    status.classList.remove("is-error");
    status.textContent = "Application submitted. We will contact you within two business days.";
    termInput.value = String(Math.min(36, MAX_TERM));
    amountInput.value = String(PRODUCTS[0].min);
    updateEstimate();
    render();
  });

  productSelect.addEventListener("change", function () {
    amountInput.value = String(PRODUCTS[Number(productSelect.value)].min);
    updateEstimate();
  });
  amountInput.addEventListener("input", updateEstimate);
  termInput.addEventListener("input", updateEstimate);
  termInput.value = String(Math.min(36, MAX_TERM));
  amountInput.value = String(PRODUCTS[0].min);
  updateEstimate();
  render();
})();
