"use strict";
// The warnings board: polls the worker's warnings API with an analyst token and draws what it
// answers. Every text from the API goes into the page as text (textContent), never as markup:
// product names, reasons and report excerpts come from outside feeds.
(() => {
  const POLL_MS = 3000;
  const SERIES_MAX_AGE_MS = 15000; // the chart is refetched at least this often while open
  const REPORTS_PER_FEED = 25;
  const TOKEN_KEY = "riskwire.board.token";
  const KINDS = {
    alert_notification: "alert notification (customs)",
    warning_notice: "warning notice (producers)",
    warning_announcement: "warning announcement (public)",
  };
  const METHODS = { "ears-c1": "EARS C1", "ears-c2": "EARS C2", "ears-c3": "EARS C3", cusum: "CUSUM" };
  const SVG = "http://www.w3.org/2000/svg";

  const state = {
    warnings: [],
    listShown: "",
    selected: null,
    detail: null,
    detailShown: "",
    series: null,
    seriesProblem: "",
    seriesAt: 0,
    method: "ears-c2",
    openFeeds: new Set(), // the evidence lists opened, kept open across redraws
    timer: 0,
    polls: 0,
  };

  class AuthProblem extends Error {}

  const $ = (selector) => document.querySelector(selector);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function fill(node, ...children) {
    node.replaceChildren(
      ...children.flat().filter((c) => c !== null && c !== undefined && c !== false),
    );
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
  }

  // --- the token: typed once (or passed as ?token=), kept in this tab's session storage ------

  function takeTokenFromUrl() {
    const params = new URLSearchParams(location.search);
    const given = params.get("token");
    if (!given) return;
    sessionStorage.setItem(TOKEN_KEY, given);
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";

  function showTokenForm(problem) {
    $("#token-form").hidden = false;
    $("#token-problem").textContent = problem || "";
    $("#token").focus();
  }

  async function api(path) {
    const headers = { Accept: "application/json" };
    if (token()) headers.Authorization = `Bearer ${token()}`;
    const response = await fetch(path, { headers, cache: "no-store", credentials: "omit" });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    const why = (body && body.error) || response.statusText;
    if (response.status === 401 || response.status === 403) throw new AuthProblem(why);
    if (!response.ok) throw new Error(`${response.status}: ${why}`);
    return body;
  }

  // --- formatting -----------------------------------------------------------------------------

  const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "—");
  const score = (value) => (Number.isInteger(value) ? String(value) : Number(value).toFixed(1));
  const words = (key) => key.replace(/_/g, " ");

  function badge(grade, colour) {
    return el("span", { class: `badge g-${grade}`, title: `grade ${grade} (${colour || ""})` }, grade);
  }

  function shown(value) {
    if (value === null || value === undefined) return "—";
    if (Array.isArray(value)) return value.map(shown).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    if (typeof value === "boolean") return value ? "yes" : "no";
    return String(value);
  }

  function facts(object, skip, depth = 0) {
    const list = el("dl");
    for (const [key, value] of Object.entries(object || {})) {
      if ((skip || []).includes(key)) continue;
      const nested = value && typeof value === "object" && !Array.isArray(value) && depth < 3;
      list.append(
        el("dt", { text: words(key) }),
        nested ? el("dd", {}, facts(value, [], depth + 1)) : el("dd", { text: shown(value) }),
      );
    }
    return list;
  }

  function setStatus(text, problem) {
    const line = $("#status");
    line.textContent = text;
    line.classList.toggle("problem", Boolean(problem));
  }

  // --- the list and its filters ---------------------------------------------------------------

  function filters() {
    return {
      grades: new Set([...document.querySelectorAll("input[name=grade]:checked")].map((i) => i.value)),
      kind: $("#filter-kind").value,
      region: $("#filter-region").value,
      product: $("#filter-product").value.trim().toLowerCase(),
      status: $("#filter-status").value,
    };
  }

  function matches(w, f) {
    return (
      f.grades.has(w.grade) &&
      (!f.kind || w.kind === f.kind) &&
      (!f.region || (w.regions || []).includes(f.region)) &&
      (!f.product || String(w.product).toLowerCase().includes(f.product)) &&
      (!f.status || w.status === f.status)
    );
  }

  function renderRegions() {
    const select = $("#filter-region");
    const regions = [...new Set(state.warnings.flatMap((w) => w.regions || []))].sort();
    const known = [...select.options].slice(1).map((o) => o.value);
    if (known.join("\n") === regions.join("\n")) return;
    const chosen = select.value;
    fill(
      select,
      el("option", { value: "" }, "any region"),
      ...regions.map((r) => el("option", { value: r }, r)),
    );
    select.value = regions.includes(chosen) ? chosen : "";
  }

  function renderList(force) {
    const f = filters();
    const rows = state.warnings.filter((w) => matches(w, f));
    const key = JSON.stringify([rows, state.selected]);
    if (!force && key === state.listShown) return;
    state.listShown = key;
    fill($("#warnings tbody"), rows.map(row));
    $("#empty").hidden = rows.length > 0;
    $("#shown-count").textContent = `${rows.length} of ${state.warnings.length} shown`;
  }

  function row(w) {
    const regions = w.regions || [];
    const open = () => select(w.warning_id);
    return el(
      "tr",
      {
        class: `g-${w.grade} ${w.status}${w.warning_id === state.selected ? " selected" : ""}`,
        tabindex: 0,
        "data-warning-id": w.warning_id,
        "data-grade": w.grade,
        "data-version": w.version,
        "data-state": w.state,
        "data-status": w.status,
        "data-kind": w.kind,
        onclick: open,
        onkeydown: (event) => event.key === "Enter" && open(),
      },
      el("td", { class: "grade" }, badge(w.grade, w.colour)),
      el("td", {}, el("div", { text: w.product }), el("small", { text: `${w.warning_id} v${w.version}` })),
      el("td", { text: KINDS[w.kind] || w.kind }),
      el(
        "td",
        { class: "state" },
        el("div", { text: w.state }),
        w.change !== w.state ? el("small", { text: w.change }) : null,
      ),
      el("td", { class: "num", text: score(w.score) }),
      el("td", { class: "num", text: w.signals }),
      el("td", { class: "num wide", title: regions.join(", "), text: regions.length }),
      el("td", { class: "wide", text: when(w.updated_time) }),
      el("td", {}, (w.flags || []).map((flag) => el("span", { class: "flag", text: flag }))),
    );
  }

  // --- one warning in full --------------------------------------------------------------------

  async function select(warningId) {
    if (state.selected !== warningId) {
      state.selected = warningId;
      state.detail = null;
      state.series = null;
      state.seriesAt = 0;
      state.detailShown = "";
    }
    renderList(true);
    await refreshDetail().catch(detailProblem);
  }

  async function refreshDetail() {
    const id = state.selected;
    if (!id) return;
    const detail = await api(`/warnings/${encodeURIComponent(id)}`);
    if (id !== state.selected) return;
    const moved = !state.detail || state.detail.warning.version !== detail.warning.version;
    state.detail = detail;
    if (moved || Date.now() - state.seriesAt > SERIES_MAX_AGE_MS) {
      try {
        state.series = await api(`/warnings/${encodeURIComponent(id)}/series`);
        state.seriesProblem = "";
      } catch (err) {
        if (err instanceof AuthProblem) throw err;
        state.series = null;
        state.seriesProblem = err.message;
      }
      state.seriesAt = Date.now();
    }
    renderDetail();
  }

  function renderDetail() {
    const d = state.detail;
    const panel = $("#detail");
    if (!d) return;
    const key = JSON.stringify([d, state.series, state.seriesProblem, state.method]);
    if (key === state.detailShown) return;
    state.detailShown = key;
    const w = d.warning;
    panel.hidden = false;
    $("main").classList.remove("no-detail");
    fill(
      panel,
      el(
        "button",
        { type: "button", id: "close-detail", onclick: closeDetail, title: "close" },
        "×",
      ),
      el("h2", {}, badge(w.grade, w.colour), " ", w.title),
      el(
        "p",
        { class: "meta" },
        `${w.warning_id} · version ${w.version} · ${w.state}`,
        w.status === "active" ? ", in force" : w.state !== "lifted" ? ", lifted" : "",
        ` · ${KINDS[w.kind] || w.kind} · ${w.authority}`,
      ),
      el("p", { id: "reason" }, el("b", {}, "Why this version: "), w.reason || "—"),
      el(
        "p",
        { class: "meta" },
        `decided by ${w.decided_by} · standard ${w.standard_version || "—"}`,
        w.decide_by ? ` · decision due ${when(w.decide_by)}` : "",
        w.reply_by ? ` · replies until ${when(w.reply_by)} (${w.replies} received)` : "",
      ),
      (w.flags || []).length ? el("p", {}, w.flags.map((f) => el("span", { class: "flag", text: f }))) : null,
      el("h3", {}, "Risk signals per day against the aberration threshold"),
      chart(d),
      el("h3", {}, "Score and its explanation"),
      explanation(w),
      el("h3", {}, "Evidence by feed"),
      evidence(d),
      el("h3", {}, "Lifecycle history"),
      history(d.history),
      el("h3", {}, "Measures and scope"),
      measures(w),
    );
  }

  function detailProblem(err) {
    if (err instanceof AuthProblem) throw err;
    $("#detail").hidden = false;
    $("main").classList.remove("no-detail");
    state.detailShown = "";
    fill(
      $("#detail"),
      el("button", { type: "button", id: "close-detail", onclick: closeDetail, title: "close" }, "×"),
      el("p", { class: "problem-text" }, `${state.selected}: ${err.message}`),
    );
  }

  function closeDetail() {
    state.selected = null;
    state.detail = null;
    state.detailShown = "";
    $("#detail").hidden = true;
    $("main").classList.add("no-detail");
    renderList(true);
  }

  function detectorTable(detectors) {
    return el(
      "table",
      { class: "detectors" },
      el("thead", {}, el("tr", {}, ["method", "observed", "expected", "threshold", "score", "alarm"].map((h) => el("th", { text: h })))),
      el(
        "tbody",
        {},
        detectors.map((v) =>
          el("tr", {}, [METHODS[v.method] || v.method, v.observed, v.expected, v.threshold, v.score, v.alarm].map((c) => el("td", { text: shown(c) }))),
        ),
      ),
    );
  }

  function explanation(w) {
    const why = w.explanation || {};
    const urgency = why.urgency || {};
    const factor = (name, level, body) =>
      el("div", { class: "factor" }, el("div", {}, `${name} `, el("b", { text: level })), body);
    const rest = Object.fromEntries(
      Object.entries(why).filter(([k]) => !["hazard", "urgency", "scope"].includes(k)),
    );
    return el(
      "div",
      { id: "explanation" },
      el("p", {}, `hazard ${w.hazard} × urgency ${w.urgency} × scope ${w.scope} = `, el("b", { text: score(w.score) })),
      el(
        "div",
        { class: "factors" },
        factor("Hazard", w.hazard, facts(why.hazard)),
        factor("Urgency", w.urgency, facts(urgency, ["detectors", "area"])),
        factor("Scope", w.scope, facts(why.scope)),
      ),
      urgency.detectors ? [el("p", {}, "The cluster's day, by aberration detector:"), detectorTable(urgency.detectors)] : null,
      urgency.area
        ? [el("p", {}, `Its area ${urgency.area.key} over ${urgency.area.days} days:`), detectorTable(urgency.area.detectors || [])]
        : null,
      Object.keys(rest).length ? facts(rest) : null,
    );
  }

  function evidence(d) {
    const w = d.warning;
    const byFeed = {};
    for (const report of d.reports || []) {
      const feed = report.feed || String(report.signal_id).split(":")[0];
      (byFeed[feed] = byFeed[feed] || []).push(report);
    }
    const time = (r) => r.event_time || "";
    for (const reports of Object.values(byFeed)) {
      reports.sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
    }
    const feeds = [...new Set([...Object.keys(w.feed_counts || {}), ...Object.keys(byFeed)])].sort();
    return el(
      "div",
      { id: "evidence" },
      el(
        "table",
        { class: "feeds" },
        el("thead", {}, el("tr", {}, el("th", { text: "feed" }), el("th", { text: "reports in the cluster" }), el("th", { text: "evidence listed" }))),
        el(
          "tbody",
          {},
          feeds.map((feed) =>
            el("tr", { "data-feed": feed }, el("td", { text: feed }), el("td", { text: (w.feed_counts || {})[feed] ?? 0 }), el("td", { text: (byFeed[feed] || []).length })),
          ),
        ),
      ),
      d.reports_not_shown ? el("p", { class: "meta" }, `${d.reports_not_shown} earlier reports not listed`) : null,
      feeds
        .filter((feed) => byFeed[feed])
        .map((feed) => {
          const reports = byFeed[feed];
          return el(
            "details",
            {
              class: "reports",
              "data-feed": feed,
              open: state.openFeeds.has(feed),
              ontoggle: (event) => state.openFeeds[event.target.open ? "add" : "delete"](feed),
            },
            el("summary", {}, `${feed}: ${reports.length} reports`),
            el(
              "ul",
              {},
              reports.slice(-REPORTS_PER_FEED).map((r) =>
                r.expired
                  ? el("li", {}, `${r.signal_id} (no longer kept)`)
                  : el("li", {}, el("span", { class: "when", text: when(r.event_time) }), ` ${r.region || "—"} · ${r.product || ""}: `, r.excerpt || ""),
              ),
            ),
            reports.length > REPORTS_PER_FEED ? el("p", { class: "meta" }, `and ${reports.length - REPORTS_PER_FEED} earlier`) : null,
          );
        }),
    );
  }

  function history(versions) {
    return el(
      "table",
      { id: "history" },
      el("thead", {}, el("tr", {}, ["v", "when (UTC)", "change", "state", "grade", "score", "signals", "by"].map((h) => el("th", { text: h })))),
      (versions || []).map((v) =>
        el(
          "tbody",
          { class: `version${v.decided_by !== "riskwire" ? " by-person" : ""}`, "data-version": v.version, "data-change": v.change },
          el(
            "tr",
            {},
            el("td", { text: v.version }),
            el("td", { text: when(v.updated_time) }),
            el("td", { text: v.change }),
            el("td", { text: v.state }),
            el("td", {}, badge(v.grade, v.colour)),
            el("td", { text: score(v.score) }),
            el("td", { text: v.signals }),
            el("td", { text: v.decided_by }),
          ),
          el("tr", { class: "why" }, el("td", { colspan: 8, text: v.reason || "—" })),
        ),
      ),
    );
  }

  function measures(w) {
    const list = (items) => el("ul", {}, (items || []).map((i) => el("li", { text: i })));
    return el(
      "div",
      { id: "measures" },
      el("p", {}, el("b", {}, "Measures")),
      list(w.measures),
      el("p", {}, el("b", {}, "Warning items")),
      list(w.warning_items),
      facts({
        regions: w.scope_regions,
        origins: w.origins,
        hs_codes: w.hs_codes,
        ports: w.ports,
        enterprises: w.enterprises,
      }),
    );
  }

  // --- the chart: counts per day (bars) against the chosen method's threshold (dashed) --------

  function chart(d) {
    const box = el("div", { id: "chart" });
    const s = state.series;
    if (!s) {
      box.append(el("p", { class: "problem-text" }, state.seriesProblem ? `No chart: ${state.seriesProblem}` : "loading…"));
      return box;
    }
    const methods = Object.keys(s.methods);
    if (!methods.includes(state.method)) state.method = methods[0];
    const chooser = el(
      "select",
      { id: "chart-method", onchange: (e) => { state.method = e.target.value; renderDetail(); } },
      methods.map((m) => el("option", { value: m, selected: m === state.method }, METHODS[m] || m)),
    );
    const line = s.methods[state.method] || { expected: [], threshold: [], alarm: [] };
    const W = 560, H = 210, L = 34, R = 8, T = 10, B = 26;
    const n = s.counts.length;
    const top = Math.max(1, ...s.counts, ...line.threshold.filter((v) => v !== null)) * 1.1;
    const step = (W - L - R) / Math.max(n, 1);
    const x = (i) => L + i * step;
    const y = (v) => T + (H - T - B) * (1 - v / top);
    const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `risk signals per day, ${METHODS[state.method] || state.method} threshold` });
    plot.append(svg("line", { class: "axis", x1: L, y1: y(0), x2: W - R, y2: y(0) }));
    const peak = top / 1.1;
    for (const tick of [0, peak / 2, peak]) {
      const label = Number.isInteger(tick) || tick >= 10 ? Math.round(tick) : tick.toFixed(1);
      plot.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(tick), y2: y(tick) }));
      plot.append(svg("text", { x: L - 4, y: y(tick) + 3, "text-anchor": "end" }, String(label)));
    }
    for (const v of d.history || []) {
      const i = s.dates.indexOf(v.updated_time.slice(0, 10));
      if (i < 0) continue;
      const mark = svg("line", { class: "version", x1: x(i) + step / 2, x2: x(i) + step / 2, y1: T, y2: y(0), "data-version": v.version });
      mark.append(svg("title", {}, `v${v.version} ${v.change}, ${v.state}, grade ${v.grade}`));
      plot.append(mark);
    }
    s.counts.forEach((count, i) => {
      const alarm = Boolean(line.alarm[i]);
      const bar = svg("rect", {
        class: alarm ? "bar alarm" : "bar",
        x: x(i) + step * 0.1,
        y: y(count),
        width: Math.max(step * 0.8, 0.5),
        height: y(0) - y(count),
        "data-date": s.dates[i],
        "data-count": count,
      });
      const threshold = line.threshold[i];
      bar.append(svg("title", {}, `${s.dates[i]}: ${count} risk signals; threshold ${threshold ?? "pending"}${alarm ? ", alarm" : ""}`));
      plot.append(bar);
    });
    const path = (values) => {
      let d = "", pen = false;
      values.forEach((v, i) => {
        if (v === null || v === undefined) { pen = false; return; }
        d += `${pen ? "L" : "M"}${(x(i) + step / 2).toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
      });
      return d.trim();
    };
    if (path(line.expected)) plot.append(svg("path", { class: "expected", d: path(line.expected) }));
    if (path(line.threshold)) plot.append(svg("path", { class: "threshold", d: path(line.threshold) }));
    const labelEvery = Math.max(1, Math.ceil(n / 6));
    s.dates.forEach((date, i) => {
      if (i % labelEvery === 0 || i === n - 1) {
        const anchor = i === 0 ? "start" : i === n - 1 ? "end" : "middle";
        plot.append(svg("text", { x: x(i) + step / 2, y: H - 8, "text-anchor": anchor }, date.slice(5)));
      }
    });
    box.append(
      el("label", {}, "threshold of ", chooser),
      plot,
      el(
        "p",
        { class: "legend" },
        el("span", { class: "swatch bar" }), "risk signals that day",
        el("span", { class: "swatch alarm" }), "day alarms",
        el("span", { class: "swatch threshold" }), "threshold",
        el("span", { class: "swatch version" }), "a version of the warning",
      ),
    );
    return box;
  }

  // --- polling --------------------------------------------------------------------------------

  async function poll() {
    clearTimeout(state.timer);
    try {
      const answer = await api("/warnings");
      state.warnings = answer.warnings || [];
      state.polls += 1;
      $("#token-form").hidden = true;
      $("#forget-token").hidden = !token();
      renderRegions();
      renderList(false);
      if (state.selected) await refreshDetail().catch(detailProblem);
      const active = state.warnings.filter((w) => w.status === "active").length;
      const at = new Date().toISOString().slice(11, 19);
      setStatus(`${state.warnings.length} warnings, ${active} in force · updated ${at} UTC · every ${POLL_MS / 1000} s`);
      document.body.dataset.polls = String(state.polls);
    } catch (err) {
      if (err instanceof AuthProblem) {
        setStatus("an analyst token is needed", true);
        showTokenForm(token() ? `not accepted: ${err.message}` : "");
        return; // until a token is given
      }
      setStatus(`worker not answering (${err.message}); trying again`, true);
    }
    state.timer = setTimeout(poll, POLL_MS);
  }

  function start() {
    takeTokenFromUrl();
    $("main").classList.add("no-detail");
    $("#token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
      $("#token").value = "";
      poll();
    });
    $("#forget-token").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    });
    for (const input of document.querySelectorAll("#filters input, #filters select")) {
      input.addEventListener("input", () => renderList(false));
      input.addEventListener("change", () => renderList(false));
    }
    poll();
  }

  start();
})();
