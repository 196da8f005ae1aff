"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":orders";
  const DELIVERY_DAYS = {{.Config.estimatedDeliveryDays}};
  const NOTIFICATIONS = {{if .Config.enableNotifications}}true{{else}}false{{end}};
  const STAGES = ["placed", "packed", "shipped", "out for delivery", "delivered"];

  const lookupForm = document.getElementById("lookup-form");
  const lookupStatus = document.getElementById("lookup-status");
  const result = document.getElementById("result");
  const orderForm = document.getElementById("order-form");
  const orderStatus = document.getElementById("order-status");
  const tbody = document.getElementById("orders");
  const emptyState = document.getElementById("empty-state");
  let shownOrder = null;

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

  function expected(order) {
    const d = new Date(order.placedAt);
    d.setDate(d.getDate() + DELIVERY_DAYS);
    return d.toLocaleDateString();
  }

  function showOrder(order) {
    shownOrder = order.number;
    document.getElementById("result-title").textContent = "Order " + order.number + ": " + order.stage;
    const carrierName = document.querySelector('#new-carrier option[value="' + order.carrier + '"]');
    document.getElementById("result-carrier").textContent =
      (carrierName ? carrierName.textContent : order.carrier) +
      (order.tracking ? " · tracking " + order.tracking : "") +
      (order.stage === "delivered" ? "" : " · expected by " + expected(order));
    const timeline = document.getElementById("timeline");
    timeline.replaceChildren();
    const reached = STAGES.indexOf(order.stage);
    STAGES.forEach(function (stage, i) {
      const li = document.createElement("li");
      li.textContent = stage.charAt(0).toUpperCase() + stage.slice(1) + (order.history[stage] ? " · " + new Date(order.history[stage]).toLocaleString() : "");
      if (i <= reached) li.classList.add("done");
      if (i === reached) li.classList.add("current");
      timeline.appendChild(li);
    });
    const notify = document.getElementById("notify");
    if (notify) notify.checked = Boolean(order.notify);
    result.hidden = false;
  }

  lookupForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(lookupForm);
    const number = String(data.get("orderNumber") || "").trim();
    const email = String(data.get("email") || "").trim().toLowerCase();
    const order = load().find(function (o) { return o.number === number && o.email === email; });
    result.hidden = true;
    // The same message for "no such order" and "wrong e-mail" reveals nothing about other customers.
    lookupStatus.textContent = order ? "" : "We could not find an order with that number and e-mail.";
    if (order) showOrder(order);
  });

  if (NOTIFICATIONS) {
    document.getElementById("notify").addEventListener("change", function (event) {
      const wanted = event.target.checked;
      save(load().map(function (o) { return o.number === shownOrder ? Object.assign({}, o, { notify: wanted }) : o; }));
    });
  }

  function advance(number) {
    const now = new Date().toISOString();
    save(load().map(function (o) {
      if (o.number !== number) return o;
      const nextStage = STAGES[Math.min(STAGES.indexOf(o.stage) + 1, STAGES.length - 1)];
      const history = Object.assign({}, o.history);
      history[nextStage] = now;
      if (NOTIFICATIONS && o.notify) console.info("Notify " + o.email + ": order " + o.number + " is " + nextStage);
      return Object.assign({}, o, { stage: nextStage, history: history });
    }));
    render();
    const current = load().find(function (o) { return o.number === shownOrder; });
    if (current && !result.hidden) showOrder(current);
  }

  function render() {
    const list = load();
    tbody.replaceChildren();
    for (const order of list) {
      const row = document.createElement("tr");
      const id = document.createElement("td");
      id.textContent = order.number + " · " + order.email;
      const stage = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge" + (order.stage === "delivered" ? " ok" : "");
      badge.textContent = order.stage;
      stage.appendChild(badge);
      const eta = document.createElement("td");
      eta.textContent = order.stage === "delivered" ? "—" : expected(order);
      const actions = document.createElement("td");
      if (order.stage !== "delivered") {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "secondary small";
        b.textContent = "Mark " + STAGES[STAGES.indexOf(order.stage) + 1];
        b.addEventListener("click", function () { advance(order.number); });
        actions.appendChild(b);
      }
      row.append(id, stage, eta, actions);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  orderForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(orderForm);
    const number = String(data.get("orderNumber") || "").trim();
    const email = String(data.get("email") || "").trim().toLowerCase();
    let problem = "";
    if (number === "") problem = "Enter an order number.";
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problem = "Enter the customer's e-mail.";
    else if (load().some(function (o) { return o.number === number; })) problem = "Order " + number + " already exists.";
    if (problem) {
      orderStatus.classList.add("is-error");
      orderStatus.textContent = problem;
      return;
    }
    const now = new Date().toISOString();
    const list = load();
    list.unshift({
      number: number,
      email: email,
      carrier: String(data.get("carrier")),
      tracking: String(data.get("tracking") || "").trim(),
      stage: "placed",
      placedAt: now,
      history: { placed: now },
      notify: false
    });
    save(list);
    orderForm.reset();
    orderStatus.classList.remove("is-error");
    orderStatus.textContent = "Order " + number + " added.";
    render();
  });

  render();
})();
