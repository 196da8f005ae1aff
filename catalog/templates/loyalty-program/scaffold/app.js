"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":members";
  const CURRENCY = {{.Config.currency}};
  const POINTS_PER_UNIT = {{.Config.pointsPerUnit}};
  const REWARD_POINTS = {{.Config.reward.points}};
  const REWARD_VALUE = {{.Config.reward.value}};
  const TIERS = [
{{- range .Config.tiers}}
    { name: {{.name}}, min: {{.minPoints}}, multiplier: {{.multiplier}} },
{{- end}}
  ].sort(function (a, b) { return a.min - b.min; });

  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const enrolForm = document.getElementById("enrol-form");
  const purchaseForm = document.getElementById("purchase-form");
  const memberSelect = document.getElementById("purchase-member");
  const tbody = document.getElementById("members");
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

  function tierOf(lifetime) {
    let tier = TIERS[0];
    for (const t of TIERS) if (lifetime >= t.min) tier = t;
    return tier;
  }

  function nextTier(lifetime) {
    return TIERS.find(function (t) { return t.min > lifetime; }) || null;
  }

  function say(el, message, isError) {
    el.classList.toggle("is-error", Boolean(isError));
    el.textContent = message;
  }

  function showCard(member) {
    const tier = tierOf(member.lifetime);
    const next = nextTier(member.lifetime);
    document.getElementById("card-name").textContent = member.name;
    document.getElementById("card-points").textContent = member.balance + " pts";
    document.getElementById("card-tier").textContent = tier.name + " member";
    const progress = document.getElementById("card-progress");
    if (next) {
      progress.value = Math.round(((member.lifetime - tier.min) / (next.min - tier.min)) * 100);
      document.getElementById("card-next").textContent = (next.min - member.lifetime) + " pts to " + next.name;
    } else {
      progress.value = 100;
      document.getElementById("card-next").textContent = "Top tier reached";
    }
    document.getElementById("member-card").hidden = false;
  }

  function redeem(email) {
    let redeemed = null;
    save(load().map(function (m) {
      if (m.email !== email || m.balance < REWARD_POINTS) return m;
      redeemed = Object.assign({}, m, { balance: m.balance - REWARD_POINTS });
      return redeemed;
    }));
    render();
    if (redeemed) showCard(redeemed);
  }

  function render() {
    const list = load();
    const selected = memberSelect.value;
    memberSelect.replaceChildren();
    tbody.replaceChildren();
    for (const m of list) {
      const option = document.createElement("option");
      option.value = m.email;
      option.textContent = m.name + " (" + m.email + ")";
      option.selected = m.email === selected;
      memberSelect.appendChild(option);

      const row = document.createElement("tr");
      const who = document.createElement("td");
      const link = document.createElement("button");
      link.type = "button";
      link.className = "secondary small";
      link.textContent = m.name;
      link.addEventListener("click", function () { showCard(m); });
      who.appendChild(link);
      const tier = document.createElement("td");
      tier.textContent = tierOf(m.lifetime).name;
      const balance = document.createElement("td");
      balance.textContent = m.balance + " pts";
      const action = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "small";
      b.textContent = "Redeem " + money.format(REWARD_VALUE);
      b.disabled = m.balance < REWARD_POINTS;
      b.addEventListener("click", function () { redeem(m.email); });
      action.appendChild(b);
      row.append(who, tier, balance, action);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  enrolForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const status = document.getElementById("enrol-status");
    const data = new FormData(enrolForm);
    const name = String(data.get("name") || "").trim();
    const email = String(data.get("email") || "").trim().toLowerCase();
    if (name === "") return say(status, "Enter the member's name.", true);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return say(status, "Enter a valid email address.", true);
    const list = load();
    if (list.some(function (m) { return m.email === email; })) return say(status, "This email is already a member.", true);
    const member = { name: name, email: email, marketing: Boolean(data.get("marketing")), balance: 0, lifetime: 0, joinedAt: new Date().toISOString() };
    list.push(member);
    save(list);
    enrolForm.reset();
    say(status, name + " joined " + APP_NAME + ".", false);
    render();
    showCard(member);
  });

  purchaseForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const status = document.getElementById("purchase-status");
    const email = memberSelect.value;
    const amount = Number(document.getElementById("purchase-amount").value);
    if (!email) return say(status, "Enrol a member first.", true);
    if (!(amount > 0)) return say(status, "Enter the purchase amount.", true);
    let updated = null;
    let earned = 0;
    save(load().map(function (m) {
      if (m.email !== email) return m;
      earned = Math.floor(Math.floor(amount) * POINTS_PER_UNIT * tierOf(m.lifetime).multiplier);
      updated = Object.assign({}, m, { balance: m.balance + earned, lifetime: m.lifetime + earned });
      return updated;
    }));
    purchaseForm.reset();
    render();
    memberSelect.value = email;
    if (updated) {
      say(status, "+" + earned + " points for " + money.format(amount) + ".", false);
      showCard(updated);
    }
  });

  render();
})();
