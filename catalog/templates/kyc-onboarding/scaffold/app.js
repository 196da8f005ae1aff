"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":cases";
  const RISK_THRESHOLD = {{.Config.riskThreshold}};
  const REQUIRE_SELFIE = {{if .Config.requireSelfie}}true{{else}}false{{end}};
  const RESTRICTED = [{{range $i, $c := .Config.restrictedCountries}}{{if $i}}, {{end}}{{$c}}{{end}}];
  const BADGES = { cleared: "ok", review: "warn", approved: "ok", rejected: "bad" };

  const form = document.getElementById("kyc-form");
  const status = document.getElementById("form-status");
  const tbody = document.getElementById("cases");
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

  function yearsSince(isoDate) {
    const birth = new Date(isoDate + "T00:00:00");
    const now = new Date();
    let years = now.getFullYear() - birth.getFullYear();
    const beforeBirthday = now.getMonth() < birth.getMonth() ||
      (now.getMonth() === birth.getMonth() && now.getDate() < birth.getDate());
    return beforeBirthday ? years - 1 : years;
  }

  // A transparent rule-based score: every rule that fires adds points and a reason.
  function assess(applicant) {
    const reasons = [];
    let score = 0;
    if (RESTRICTED.indexOf(applicant.country) !== -1) {
      score += 100;
      reasons.push("Resident of a high-risk country (" + applicant.country + ")");
    }
    if (applicant.pep) {
      score += 60;
      reasons.push("Politically exposed person");
    }
    const daysToExpiry = (Date.parse(applicant.docExpiry) - Date.now()) / 86400000;
    if (daysToExpiry < 90) {
      score += 20;
      reasons.push("Document expires within 90 days");
    }
    const age = yearsSince(applicant.birthDate);
    if (age < 21 || age > 85) {
      score += 10;
      reasons.push("Age outside the usual customer profile");
    }
    if (!REQUIRE_SELFIE) {
      score += 10;
      reasons.push("No liveness check");
    }
    return { score: Math.min(score, 100), reasons: reasons };
  }

  function validate(a) {
    if (a.givenName === "" || a.familyName === "") return "Enter your full name.";
    if (!a.birthDate || yearsSince(a.birthDate) < 18) return "You must be at least 18 years old.";
    if (!/^[A-Z]{2}$/.test(a.country)) return "Enter your country as a two-letter code, such as US or DE.";
    if (a.docNumber.length < 5) return "Enter the document number as printed.";
    if (!a.docExpiry || Date.parse(a.docExpiry) <= Date.now()) return "The document has expired; please use a valid one.";
    if (REQUIRE_SELFIE && !a.selfie) return "Please complete the selfie check.";
    return "";
  }

  function decide(id, outcome) {
    save(load().map(function (c) { return c.id === id ? Object.assign({}, c, { outcome: outcome }) : c; }));
    render();
  }

  function render() {
    const list = load();
    tbody.replaceChildren();
    for (const c of list) {
      const row = document.createElement("tr");
      const who = document.createElement("td");
      who.textContent = c.givenName + " " + c.familyName + " · " + c.country + " · " + c.docType.replace("_", " ");
      const risk = document.createElement("td");
      risk.textContent = String(c.score);
      if (c.reasons.length > 0) {
        const ul = document.createElement("ul");
        ul.className = "reasons";
        for (const r of c.reasons) {
          const li = document.createElement("li");
          li.textContent = r;
          ul.appendChild(li);
        }
        risk.appendChild(ul);
      }
      const outcome = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge " + BADGES[c.outcome];
      badge.textContent = c.outcome;
      outcome.appendChild(badge);
      const actions = document.createElement("td");
      if (c.outcome === "review") {
        for (const choice of ["approved", "rejected"]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = choice === "approved" ? "small" : "danger small";
          b.textContent = choice === "approved" ? "Approve" : "Reject";
          b.addEventListener("click", function () { decide(c.id, choice); });
          actions.appendChild(b);
        }
      }
      row.append(who, risk, outcome, actions);
      tbody.appendChild(row);
    }
    emptyState.hidden = list.length > 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    const applicant = {
      givenName: String(data.get("givenName") || "").trim(),
      familyName: String(data.get("familyName") || "").trim(),
      birthDate: String(data.get("birthDate") || ""),
      country: String(data.get("country") || "").trim().toUpperCase(),
      pep: Boolean(data.get("pep")),
      docType: String(data.get("docType")),
      docNumber: String(data.get("docNumber") || "").trim(),
      docExpiry: String(data.get("docExpiry") || ""),
      selfie: Boolean(data.get("selfie"))
    };
    const problem = validate(applicant);
    if (problem) {
      status.classList.add("is-error");
      status.textContent = problem;
      return;
    }
    const result = assess(applicant);
    const outcome = result.score >= RISK_THRESHOLD ? "review" : "cleared";
    const list = load();
    list.unshift(Object.assign({}, applicant, {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      docNumber: "•••" + applicant.docNumber.slice(-3),
      score: result.score,
      reasons: result.reasons,
      outcome: outcome,
      submittedAt: new Date().toISOString()
    }));
    save(list);
    form.reset();
    status.classList.remove("is-error");
    status.textContent = outcome === "cleared"
      ? "Thank you, your identity is verified."
      : "Thank you. Our compliance team will review your details within one business day.";
    render();
  });

  render();
})();
