/* usmx dashboard: every figure read from the read-only API (or, for a static site, from data/<query>.json that
   `usmx site` wrote). The URL holds the view (lang, state, group, from, to): a link reopens exactly this view. */
(function () {
  "use strict";
  const STATIC = (document.querySelector('meta[name="usmx-static"]') || {}).content === "true";
  const view = { lang: "es", state: "00", group: "intentional_homicide", from: null, to: null };
  let S = {}, CAT = null, TOPO = null, MUNI = null;
  const cache = {};

  function readUrl() {
    const q = new URLSearchParams(location.search);
    if (q.get("lang") === "en" || q.get("lang") === "es") view.lang = q.get("lang");
    if (/^\d{2}$/.test(q.get("state") || "")) view.state = q.get("state");
    if (q.get("group")) view.group = q.get("group");
    for (const k of ["from", "to"]) if (/^\d{4}$/.test(q.get(k) || "")) view[k] = +q.get(k);
  }

  function writeUrl() {
    const q = new URLSearchParams({ lang: view.lang, state: view.state, group: view.group });
    if (view.from) q.set("from", view.from);
    if (view.to) q.set("to", view.to);
    const url = location.pathname + "?" + q.toString();
    history.replaceState(null, "", url);
    document.getElementById("permalink").href = url;
  }

  function t(key) { return (S[view.lang] || {})[key] || key; }

  /* Text with `commands` in backticks: escaped, and the commands set as code (they are typed, not translated). */
  function prose(text) {
    return esc(text).replace(/`([^`]+)`/g, '<code translate="no">$1</code>');
  }

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  async function getJson(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  /* A static site opens from disk (file://), where fetch() cannot read files: `usmx site` writes each answer as a
     script that sets window.USMX_DATA[key], and scripts load from disk. */
  function getScript(src, key) {
    return new Promise((resolve, reject) => {
      const el = document.createElement("script");
      el.src = src;
      el.onload = () => (key in (window.USMX_DATA || {}) ? resolve(window.USMX_DATA[key]) : reject(new Error(src)));
      el.onerror = () => reject(new Error(src));
      document.head.appendChild(el);
    });
  }

  /* A query of queries.json by key: per crime group ({group}, {measure}) or per state ({state}: '00' is the nation,
     asked without a state). */
  function query(key) {
    for (const q of CAT.queries) {
      if (q.per_state) {
        for (const code of ["00", ...CAT.states.map((s) => s.code)]) {
          if (q.key.replace("{state}", code) !== key) continue;
          const params = {};
          for (const [k, v] of Object.entries(q.params)) if (!(v === "{state}" && code === "00")) params[k] = v.replace("{state}", code);
          return { q, params };
        }
        continue;
      }
      if (!q.per_group) { if (q.key === key) return { q, params: q.params }; continue; }
      for (const g of CAT.groups) {
        if (q.key.replace("{group}", g.key) !== key) continue;
        const params = {};
        for (const [k, v] of Object.entries(q.params)) params[k] = v.replace("{group}", g.key).replace("{measure}", g.measure);
        return { q, params };
      }
    }
    throw new Error("unknown query " + key);
  }

  function load(key) {
    if (!cache[key]) {
      if (STATIC) cache[key] = getScript("data/" + key + ".js", key);
      else {
        const { q, params } = query(key);
        cache[key] = getJson(q.path + "?" + new URLSearchParams(params).toString());
      }
      cache[key] = cache[key].catch(() => null);  // a figure the warehouse cannot give: its section says so
    }
    return cache[key];
  }

  function inPeriod(iso) {
    const y = +String(iso).slice(0, 4);
    return (!view.from || y >= view.from) && (!view.to || y <= view.to);
  }

  function fmt(x, digits) {
    if (x === null || x === undefined) return "–";
    return vega.formatLocale(CAT.locales[view.lang].number).format(",." + (digits === undefined ? 1 : digits) + "f")(x);
  }

  function csv(rows) {
    if (!rows.length) return "";
    const cols = Object.keys(rows[0]);
    const cell = (v) => (v === null || v === undefined ? "" : /[",\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v));
    return [cols.join(","), ...rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
  }

  function empty(el) { el.innerHTML = '<p class="empty">' + t("no_data") + "</p>"; }

  /* The width a chart has: its box's, so that a chart fits a phone as it fits a desktop (no sideways scrolling). */
  function width(id) {
    const el = document.getElementById(id);
    return Math.max(220, Math.floor((el && el.clientWidth) || 640));
  }

  /* Year ticks that do not overlap: one label every `step` years, so that about one fits in 56 pixels. */
  function yearAxis(rows, id, field) {
    const ys = rows.map((r) => +String(r[field || "period"]).slice(0, 4)).filter((y) => y > 0);
    const span = ys.length ? Math.max(...ys) - Math.min(...ys) + 1 : 1;
    const step = Math.max(1, Math.ceil(span / Math.max(2, Math.floor(width(id) / 56))));
    return { format: "%Y", tickCount: { interval: "year", step }, labelOverlap: true, title: null, labelFlush: true };
  }

  async function draw(id, spec, rows, name, title) {
    const el = document.getElementById(id);
    if (!rows || !rows.length) { empty(el); return; }
    el.innerHTML = "";
    if (title) {  // in HTML, where a long title wraps; inside the SVG it was cut on a phone
      const h = document.createElement("p");
      h.className = "chart-title";
      h.textContent = title;
      el.appendChild(h);
    }
    const box = document.createElement("div");
    el.appendChild(box);
    spec.$schema = "https://vega.github.io/schema/vega-lite/v6.json";
    if (!spec.facet && !spec.vconcat && !spec.width) spec.width = "container";
    spec.config = Object.assign({ font: "system-ui, sans-serif", axis: { labelFontSize: 11, titleFontSize: 11 }, view: { stroke: null } }, spec.config || {});
    const res = await vegaEmbed(box, spec, { ast: true, expr: vegaInterpreter.expressionInterpreter, actions: false, renderer: "svg", formatLocale: CAT.locales[view.lang].number, timeFormatLocale: CAT.locales[view.lang].time, tooltip: true });
    const links = document.createElement("p");
    links.className = "downloads";
    const a = (label, href, file) => { const x = document.createElement("a"); x.textContent = label; x.href = href; x.download = file; x.dataset.kind = file.split(".").pop(); links.appendChild(x); };
    a(t("download_csv"), URL.createObjectURL(new Blob([csv(rows)], { type: "text/csv" })), name + ".csv");
    a(t("download_svg"), URL.createObjectURL(new Blob([await res.view.toSVG()], { type: "image/svg+xml" })), name + ".svg");
    a(t("download_png"), await res.view.toImageURL("png", 2), name + ".png");
    el.appendChild(links);
  }

  /* The administrations behind a monthly series, cut to its span; `name` is shown where the band is wide enough to
     hold it (a few months' band keeps its name in the tooltip only). */
  function bands(rows) {
    if (!rows.length) return [];
    const first = rows[0].period, last = rows[rows.length - 1].period;
    const days = (a, b) => (Date.parse(b) - Date.parse(a)) / 864e5;
    const span = Math.max(1, days(first, last));
    return CAT.administrations.filter((a) => a.end >= first && a.start <= last).map((a) => {
      const start = a.start < first ? first : a.start, end = a.end > last ? last : a.end;
      const term = a["label_" + view.lang];
      return { start, end, term, colour: a.colour, name: days(start, end) / span * width("c-series") > term.length * 6.5 + 8 ? term : "" };
    });
  }

  /* A monthly line. opts.bands: the administrations behind it, each named at its start; opts.id: the chart's box
     (for its year ticks); a change of methodology (rows' `methodology`) breaks the line and is marked. */
  function lineSpec(rows, yTitle, opts) {
    opts = opts || {};
    const x = { field: "period", type: "temporal", title: null, axis: yearAxis(rows, opts.id) };
    const layers = [];
    if (opts.bands) {
      const b = bands(rows);
      layers.push({ data: { values: b }, mark: { type: "rect", opacity: 0.6 }, encoding: { x: { field: "start", type: "temporal" }, x2: { field: "end" }, color: { field: "colour", type: "nominal", scale: null }, tooltip: [{ field: "term", title: t("term") }] } });
      layers.push({ data: { values: b }, mark: { type: "text", align: "left", baseline: "top", dx: 3, dy: 2, fontSize: 10, color: "#52606d" }, encoding: { x: { field: "start", type: "temporal" }, y: { value: 0 }, text: { field: "name" } } });
    }
    const methods = [...new Set(rows.map((r) => r.methodology).filter((m) => m))];
    const detail = methods.length > 1 ? { detail: { field: "methodology" } } : {};
    layers.push({ data: { values: rows }, mark: { type: "line", color: "#b42318", point: { size: 14, color: "#b42318" } }, encoding: Object.assign({ x, y: { field: "value", type: "quantitative", title: yTitle }, tooltip: [{ field: "period", type: "temporal", title: t("month"), format: "%Y-%m" }, { field: "value", type: "quantitative", title: yTitle, format: ",.2f" }] }, detail) });
    if (methods.length > 1) {  // SESNSP's January 2026 methodology: a break, not a jump
      const first = rows.find((r) => r.methodology === methods[methods.length - 1]);
      layers.push({ data: { values: [{ period: first.period, label: t("method_break") }] }, mark: { type: "rule", strokeDash: [4, 3], color: "#3e4c59" }, encoding: { x: { field: "period", type: "temporal" }, tooltip: [{ field: "label", title: t("note") }] } });
      layers.push({ data: { values: [{ period: first.period, label: t("method_break") }] }, mark: { type: "text", align: "right", baseline: "top", dx: -3, dy: 14, fontSize: 10, color: "#3e4c59" }, encoding: { x: { field: "period", type: "temporal" }, y: { value: 0 }, text: { field: "label" } } });
    }
    return { height: 260, layer: layers };
  }

  const group = () => CAT.groups.find((g) => g.key === view.group) || CAT.groups[0];
  const stateName = (code) => (CAT.states.find((s) => s.code === code) || { name: t("national") }).name;

  /* What a panel covers, for its title: the state chosen (or the nation), the nation when the panel has no state
     breakdown (said so when a state is chosen), all states with the chosen one highlighted, or the United States. */
  function scopeText(kind) {
    const chosen = view.state !== "00";
    if (kind === "state") return chosen ? stateName(view.state) : t("national");
    if (kind === "states") return t("by_state") + (chosen ? "; " + stateName(view.state) + " " + t("highlighted") : "");
    if (kind === "us") return t("us_national");
    return t("national") + (chosen ? " (" + t("not_by_state") + ")" : "");
  }
  const rateTitle = (measure) => t("rate_" + measure);

  async function headline() {
    const el = document.querySelector("#s-headline .body");
    const d = await load("headline");
    if (!d || !d.rows.length) return empty(el);
    const r = d.rows[0];
    el.innerHTML = '<p><span class="big">' + fmt(r.latest_value) + "</span> " + t("per_day") + " (" + String(r.latest_period).slice(0, 7) + "), " + fmt(r.value) + " % " + t("vs_year") + ".</p>";
  }

  async function series() {
    const g = group();
    const d = await load((view.state === "00" ? "national_" : "states_") + g.key);
    let rows = d ? d.rows : [];
    if (view.state !== "00") rows = rows.filter((r) => r.state_code === view.state);
    const measure = rows.length && rows[0].measure ? rows[0].measure : g.measure;
    rows = rows.filter((r) => inPeriod(r.period)).map((r) => ({ period: r.period, value: r.value, methodology: r.methodology }));
    const title = g["label_" + view.lang] + " · " + stateName(view.state) + " — " + rateTitle(measure);
    await draw("c-series", lineSpec(rows, rateTitle(measure), { bands: true, id: "c-series" }), rows, "series_" + g.key + "_" + view.state, title);
  }

  async function map() {
    const g = group();
    const d = await load("map_" + g.key);
    const rows = d ? d.rows.map((r) => ({ state_code: r.state_code, state: r.state, value: r.value })) : [];
    const measure = d && d.rows.length && d.rows[0].measure ? d.rows[0].measure : g.measure;
    const geo = TOPO ? { values: TOPO, format: { type: "topojson", feature: "collection" } } : { url: "static/mx_states.topojson.json", format: { type: "topojson", feature: "collection" } };
    const layers = [{
      mark: { type: "geoshape", stroke: "white", strokeWidth: 0.6 },
      encoding: {
        color: { field: "value", type: "quantitative", title: t("per_100k_year"), scale: { scheme: "reds" }, legend: { orient: "bottom-left" } },
        tooltip: [{ field: "state", title: t("state") }, { field: "value", type: "quantitative", title: rateTitle(measure), format: ",.1f" }],
      },
    }];
    if (view.state !== "00") layers.push({ transform: [{ filter: "datum.properties.CVEGEO === '" + view.state + "'" }], mark: { type: "geoshape", fill: null, stroke: "#1f2933", strokeWidth: 2.2 } });
    const spec = {
      height: Math.min(360, Math.round(width("c-map") * 0.62)), data: geo,
      transform: [{ lookup: "properties.CVEGEO", from: { data: { values: rows }, key: "state_code", fields: ["value", "state"] } }],
      projection: { type: "conicConformal", rotate: [102, 0], parallels: [17.5, 29.5] },
      layer: layers,
    };
    await draw("c-map", spec, rows, "map_" + g.key, g["label_" + view.lang] + " — " + rateTitle(measure));
  }

  async function municipal() {
    const d = await load("municipalities");
    let rows = d ? d.rows.map((r) => ({ code: r.municipality_code, state: r.state, state_code: r.state_code, value: r.value })) : [];
    if (view.state !== "00") rows = rows.filter((r) => r.state_code === view.state);
    const geo = MUNI ? { values: MUNI, format: { type: "topojson", feature: "municipios" } } : { url: "static/mx_municipalities.topojson.json", format: { type: "topojson", feature: "municipios" } };
    const spec = {
      height: 380, data: geo,
      transform: [
        { lookup: "properties.id", from: { data: { values: rows }, key: "code", fields: ["value", "state", "state_code"] } },
        ...(view.state !== "00" ? [{ filter: "slice(datum.properties.id, 0, 2) === '" + view.state + "'" }] : []),
      ],
      projection: { type: "conicConformal", rotate: [102, 0], parallels: [17.5, 29.5] },
      layer: [
        // every municipality, grey where the register has no one (or no shape matches): the land is never blank
        { mark: { type: "geoshape", fill: "#eef0f3", stroke: "white", strokeWidth: 0.15 } },
        { mark: { type: "geoshape", stroke: "white", strokeWidth: 0.15 }, encoding: {
          color: { field: "value", type: "quantitative", title: t("persons"), scale: { scheme: "reds", type: "symlog" }, legend: { orient: "bottom-left", labelOverlap: true } },
          tooltip: [{ field: "properties.id", title: t("municipality") }, { field: "state", title: t("state") }, { field: "value", type: "quantitative", title: t("persons"), format: ",.0f" }],
        } },
      ],
    };
    await draw("c-municipal", spec, rows, "disappearances_municipal_" + view.state);
  }

  /* Municipal hot spots (municipal_hotspots): a map coloured by LISA cluster, the smoothed rate in the tooltip, and
     the highest smoothed rates as a table; with a state chosen, its municipalities (computed nationally). */
  async function hotspots() {
    const d = await load("hotspots");
    let rows = d ? d.rows.map((r) => ({ code: r.municipality_code, name: r.municipality, state: r.state, state_code: r.state_code, eb: r.value, raw: r.raw_rate, deaths: r.deaths, population: r.population, q: r.q_value, rank: r.rank, year: r.year, cluster: r.cluster, label: t("hs_" + r.cluster) })) : [];
    if (view.state !== "00") rows = rows.filter((r) => r.state_code === view.state);
    const year = rows.length ? rows[0].year : "";
    const order = ["hot", "high_low", "low_high", "cold", "not_significant", "not_assessed"];
    const colours = ["#b42318", "#f4a582", "#92c5de", "#2166ac", "#e6e8eb", "#ffffff"];
    const geo = MUNI ? { values: MUNI, format: { type: "topojson", feature: "municipios" } } : { url: "static/mx_municipalities.topojson.json", format: { type: "topojson", feature: "municipios" } };
    const spec = {
      height: 380, data: geo,
      transform: [
        { lookup: "properties.id", from: { data: { values: rows }, key: "code", fields: ["name", "state", "eb", "raw", "deaths", "q", "cluster", "label"] } },
        ...(view.state !== "00" ? [{ filter: "slice(datum.properties.id, 0, 2) === '" + view.state + "'" }] : []),
      ],
      projection: { type: "conicConformal", rotate: [102, 0], parallels: [17.5, 29.5] },
      mark: { type: "geoshape", stroke: "#9aa5b1", strokeWidth: 0.1 },
      encoding: {
        color: { field: "label", type: "nominal", title: t("hs_cluster"), scale: { domain: order.map((k) => t("hs_" + k)), range: colours }, legend: { orient: "bottom-left", columns: 2, labelLimit: 170 } },
        tooltip: [{ field: "name", title: t("municipality") }, { field: "state", title: t("state") }, { field: "label", title: t("hs_cluster") }, { field: "eb", type: "quantitative", title: t("hs_eb"), format: ",.1f" }, { field: "raw", type: "quantitative", title: t("hs_raw"), format: ",.1f" }, { field: "deaths", type: "quantitative", title: t("hs_deaths"), format: ",.0f" }, { field: "q", type: "quantitative", title: t("hs_q"), format: ".3f" }],
      },
    };
    await draw("c-hotspots", spec, rows, "municipal_hotspots_" + view.state, t("s_hotspots") + " · " + year);
    const el = document.getElementById("b-hotspots");
    const top = rows.filter((r) => r.rank).sort((a, b) => a.rank - b.rank).slice(0, 10);
    if (!top.length) { el.innerHTML = ""; return; }
    el.innerHTML = "<p><b>" + esc(t("hs_top")) + "</b></p>" + '<table class="stack"><tr><th class="num">' + t("hs_rank") + "</th><th>" + t("municipality") + '</th><th class="num">' + t("hs_eb") + '</th><th class="num">' + t("hs_raw") + '</th><th class="num">' + t("hs_deaths") + "</th><th>" + t("hs_cluster") + "</th></tr>" +
      top.map((r) => '<tr><td class="num" data-h="' + esc(t("hs_rank")) + '">' + r.rank + "</td><td>" + esc(r.name || r.code) + " <small>(" + esc(r.state) + ')</small></td><td class="num" data-h="' + esc(t("hs_eb")) + '">' + fmt(r.eb) + '</td><td class="num" data-h="' + esc(t("hs_raw")) + '">' + fmt(r.raw) + '</td><td class="num" data-h="' + esc(t("hs_deaths")) + '">' + fmt(r.deaths, 0) + '</td><td data-h="' + esc(t("hs_cluster")) + '">' + esc(r.label) + "</td></tr>").join("") + "</table>";
  }

  async function disappearances() {
    const d = await load("disappearances");
    let rows = d ? d.rows.filter((r) => inPeriod(r.period)) : [];
    if (view.state !== "00") rows = rows.filter((r) => r.state_code === view.state);
    const by = {};
    for (const r of rows) by[r.period] = (by[r.period] || 0) + (r.value || 0);
    const out = Object.keys(by).sort().map((p) => ({ period: p, value: by[p] }));
    await draw("c-disappearances", lineSpec(out, t("persons_month"), { id: "c-disappearances" }), out, "disappearances_" + view.state);
  }

  async function simple(id, key, yTitle, name, title) {
    const d = await load(key);
    const rows = d ? d.rows.filter((r) => inPeriod(r.period)).map((r) => ({ period: r.period, value: r.value })) : [];
    await draw(id, lineSpec(rows, yTitle, { id }), rows, name, title);
  }

  async function federal() {
    const key = "federal_" + view.state;
    await simple("c-federal", key, t("crimes_month"), "federal_crimes_" + view.state, t("federal_title") + " · " + stateName(view.state));
  }

  /* Fiscal years: a year the data cover only in part is drawn pale and labelled with its months, never as a whole year. */
  async function seizures() {
    const d = await load("seizures");
    const rows = d ? d.rows.map((r) => ({ fiscal_year: String(r.fiscal_year), value: r.value, months: r.months, part: r.months < 12 ? r.months + "/12" : "" })) : [];
    const enc = { x: { field: "fiscal_year", type: "ordinal", title: t("fiscal_year"), axis: { labelAngle: 0, labelOverlap: true } }, y: { field: "value", type: "quantitative", title: t("lbs") } };
    const tip = [{ field: "fiscal_year", title: t("fiscal_year") }, { field: "value", type: "quantitative", title: t("lbs"), format: ",.0f" }, { field: "months", title: t("months_covered") }];
    const spec = { height: 220, data: { values: rows }, layer: [
      { mark: { type: "bar" }, encoding: Object.assign({ color: { condition: { test: "datum.months < 12", value: "#9aa5b1" }, value: "#1f2933" }, tooltip: tip }, enc) },
      { transform: [{ filter: "datum.months < 12" }], mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 10, color: "#3e4c59" }, encoding: Object.assign({ text: { field: "part" } }, enc) },
    ] };
    const partial = rows.some((r) => r.months < 12);
    await draw("c-seizures", spec, rows, "fentanyl_seizures", t("seizures_title") + (partial ? " — " + t("partial_years") : ""));
  }

  async function scorecard() {
    const d = await load("scorecard");
    const label = (c) => (CAT.components[c] || {})[view.lang] || c;
    const rows = d ? d.rows.map((r) => ({ year: +String(r.period).slice(0, 4), component: label(r.component), value: r.value, low: r.low, high: r.high, unit: r.unit, sources: r.sources, few: r.basis === "too_few_events" })) : [];
    const lg = await load("ledger");
    const keyKinds = ["administration", "law", "designation", "transfer", "strategy"];
    const events = lg ? lg.rows.filter((e) => keyKinds.includes(e.kind)) : [];
    const years = rows.map((r) => r.year);
    const panels = [...new Set(rows.map((r) => r.component))];
    const xdom = years.length ? [Math.min(...years) - 0.5, Math.max(...years) + 0.5] : [0, 1];
    const marks = [];
    for (const e of events) {
      const y = +e.event_date.slice(0, 4) + (+e.event_date.slice(5, 7) - 1) / 12;
      if (years.length && y >= Math.min(...years) - 0.5 && y <= Math.max(...years) + 0.5)
        for (const c of panels) marks.push({ component: c, event: y, label: e["title_" + view.lang] });
    }
    const spec = {
      data: { values: rows.concat(marks) },
      facet: { row: { field: "component", type: "nominal", title: null, header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top" } } },
      resolve: { scale: { y: "independent" } },
      spec: {
        width: Math.max(200, width("c-scorecard") - 60), height: 60,
        layer: [
          // a share from too few news events is not drawn as a bar: it is written "too few"
          { transform: [{ filter: "datum.few === true" }], mark: { type: "text", fontSize: 9, color: "#616e7c", angle: -90, align: "left", baseline: "middle" }, encoding: { x: { field: "year", type: "quantitative" }, y: { value: 58 }, text: { value: t("too_few") }, tooltip: [{ field: "year", title: t("year") }, { field: "sources", title: t("source") }] } },
          { transform: [{ filter: "datum.event != null" }], mark: { type: "rule", color: "#7b8794", strokeDash: [3, 3] }, encoding: { x: { field: "event", type: "quantitative" }, tooltip: [{ field: "label", title: t("event") }] } },
          { transform: [{ filter: "datum.event == null" }], mark: { type: "bar", color: "#1f2933", size: 8 }, encoding: { x: { field: "year", type: "quantitative", title: null, axis: { format: "d", tickMinStep: 1 }, scale: { zero: false, domain: xdom } }, y: { field: "value", type: "quantitative", title: null }, tooltip: [{ field: "year", title: t("year") }, { field: "value", type: "quantitative", title: t("value"), format: ",.3~f" }, { field: "unit", title: t("component") }, { field: "sources", title: t("source") }] } },
          { transform: [{ filter: "datum.event == null" }], mark: { type: "rule", color: "#b42318", strokeWidth: 2 }, encoding: { x: { field: "year", type: "quantitative" }, y: { field: "low", type: "quantitative" }, y2: { field: "high" } } },
        ],
      },
    };
    spec.config = { header: { labelLimit: width("c-scorecard") - 20 } };
    await draw("c-scorecard", spec, rows, "cooperation_scorecard");
  }

  async function ledger() {
    const d = await load("ledger");
    const el = document.getElementById("b-ledger");
    if (!d || !d.rows.length) return empty(el);
    const title = "title_" + view.lang;
    el.innerHTML = '<table class="stack"><tr><th>' + t("date") + "</th><th>" + t("event") + "</th><th>" + t("source") + "</th></tr>" +
      d.rows.slice().reverse().map((r) => "<tr><td>" + esc(r.event_date) + "</td><td>" + esc(r[title]) + '</td><td><a translate="no" href="' + esc(r.url) + '">' + esc(r.publisher) + "</a></td></tr>").join("") + "</table>";
  }

  async function evaluation() {
    const d = await load("its_" + view.state);
    const el = document.getElementById("b-evaluation");
    if (!d || d.effect_pct === undefined) { empty(el); empty(document.getElementById("c-evaluation")); return; }
    const ci = d.effect_pct_ci || [null, null];
    const who = d.state_code && d.state_code !== "00" ? stateName(d.state_code) : t("national");
    el.innerHTML = "<p><strong>" + esc(who) + ": " + t("effect") + " " + fmt(d.effect_pct) + " %</strong> (" + t("interval") + " " + fmt(ci[0]) + " – " + fmt(ci[1]) + " %; " + t("placebo") + " " + (d.placebo_rank || "–") + "/" + (d.placebo_count || "–") + ")</p>";
    const rows = d.counterfactual.map((r) => ({ period: r.period, observed: r.observed, expected: r.expected, lower: r.lower, upper: r.upper }));
    const long = [];
    for (const r of rows) { long.push({ period: r.period, value: r.observed, series: t("observed") }); long.push({ period: r.period, value: r.expected, series: t("expected") }); }
    const band = rows.filter((r) => r.lower !== null && r.upper !== null && r.lower !== undefined);
    const x = { field: "period", type: "temporal", title: null, axis: yearAxis(rows, "c-evaluation") };
    const yTitle = t("victims_month");
    const terms = bands(rows);
    const layers = [
      { data: { values: terms }, mark: { type: "rect", opacity: 0.6 }, encoding: { x: { field: "start", type: "temporal" }, x2: { field: "end" }, color: { field: "colour", type: "nominal", scale: null } } },
      { data: { values: terms }, mark: { type: "text", align: "left", baseline: "top", dx: 3, dy: 2, fontSize: 10, color: "#52606d" }, encoding: { x: { field: "start", type: "temporal" }, y: { value: 0 }, text: { field: "name" } } },
    ];
    if (band.length) layers.push({ data: { values: band }, mark: { type: "area", color: "#cbd2d9", opacity: 0.7 }, encoding: { x: { field: "period", type: "temporal" }, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" }, tooltip: [{ field: "period", type: "temporal", format: "%Y-%m", title: t("month") }, { field: "lower", type: "quantitative", format: ",.0f", title: t("interval") }, { field: "upper", type: "quantitative", format: ",.0f", title: t("interval") }] } });
    layers.push({ data: { values: long }, mark: { type: "line", point: { size: 12 } }, encoding: { x, y: { field: "value", type: "quantitative", title: yTitle, scale: { zero: false } }, color: { field: "series", type: "nominal", title: null, scale: { range: ["#b42318", "#1f2933"] }, legend: { orient: "top", labelLimit: 260 } }, tooltip: [{ field: "period", type: "temporal", format: "%Y-%m", title: t("month") }, { field: "series", title: t("value") }, { field: "value", type: "quantitative", format: ",.0f", title: yTitle }] } });
    layers.push({ data: { values: [{ period: d.intervention, label: t("intervention") }] }, mark: { type: "rule", color: "#1f2933", strokeDash: [4, 3] }, encoding: { x: { field: "period", type: "temporal" }, tooltip: [{ field: "label", title: t("note") }] } });
    const title = t("its_title") + " · " + who;
    await draw("c-evaluation", { height: 260, layer: layers }, rows, "its_counterfactual_" + view.state, title);
  }

  async function audit() {
    const d = await load("reclassification");
    const el = document.getElementById("b-audit");
    if (!d || !d.rows.length) return empty(el);
    const rows = d.rows.filter((r) => r.state_code === view.state || (view.state === "00" && r.flagged));
    const head = "<tr><th>" + t("state") + "</th><th>" + t("candidate") + "</th><th>" + t("flagged") + "</th></tr>";
    el.innerHTML = '<table class="stack">' + head + rows.map((r) => "<tr><td>" + esc(r.state) + "</td><td>" + esc((CAT.group_labels[r.candidate] || {})[view.lang] || r.candidate) + "</td><td>" + (r.flagged ? t("yes") : t("no")) + "</td></tr>").join("") + "</table>";
  }

  async function indices() {
    const d = await load("peace");
    const rows = d ? d.rows.map((r) => ({ state: r.state, code: r.state_code, rank: r.rank, low: r.rank_low, high: r.rank_high })).sort((a, b) => a.rank - b.rank) : [];
    const order = rows.map((r) => r.state);
    const chosen = { condition: { test: "datum.code === '" + view.state + "'", value: "#1f2933" }, value: "#b42318" };
    const spec = { width: Math.max(160, width("c-peace") - 130), height: { step: 14 }, data: { values: rows }, layer: [
      { mark: { type: "rule", color: "#7b8794", strokeWidth: 3 }, encoding: { y: { field: "state", type: "nominal", sort: order, title: null, axis: { labelLimit: 120 } }, x: { field: "low", type: "quantitative", title: t("rank"), scale: { domain: [1, Math.max(32, ...rows.map((r) => r.high || 0))] } }, x2: { field: "high" } } },
      { mark: { type: "point", filled: true, size: 40 }, encoding: { y: { field: "state", type: "nominal", sort: order }, x: { field: "rank", type: "quantitative" }, color: chosen, tooltip: [{ field: "state", title: t("state") }, { field: "rank", title: t("rank") }, { field: "low", title: t("range") }, { field: "high", title: t("range") }] } },
    ] };
    await draw("c-peace", spec, rows, "peace_index", t("peace_title") + (view.state !== "00" ? " · " + stateName(view.state) + " " + t("highlighted") : ""));
  }

  async function claims() {
    const d = await load("claims_" + view.lang);
    const el = document.getElementById("b-claims");
    if (!d || !d.rows.length) return empty(el);
    const how = (r) => {
      const e = r.rule;
      if (!e) return "";
      const li = (o, f) => Object.entries(o).map(([k, v]) => "<li>" + f(k, v) + "</li>").join("");
      return "<details><summary>" + t("how") + "</summary><p>" + esc(e.test) + "</p><ul>" + e.evidence.map((x) => "<li>" + esc(x) + "</li>").join("") + "</ul>" +
        "<ul>" + li(e.facts, (k, v) => '<code translate="no">' + esc(k) + " = " + esc(String(r.facts[k])) + "</code>: " + esc(v)) + "</ul>" +
        "<p>" + t("rule") + "</p><ul>" + li(e.directions, (k, v) => esc(t("d_" + k)) + ': <code translate="no">' + esc(v) + "</code>") + "</ul></details>";
    };
    const until = (r) => r.evidence_end ? '<br><small class="' + (r.stale ? "stale" : "") + '">' + esc(t("evidence_to")) + " " + esc(r.evidence_end) + "</small>" : "";
    const notes = (r) => (r.notes || []).map((n) => "<br><small>" + prose(n) + "</small>").join("");
    el.innerHTML = '<table class="claims"><tr><th>' + t("claim") + "</th><th>" + t("direction") + "</th><th>" + t("reading") + "</th></tr>" + d.rows.map((r) => "<tr><td>" + esc(r.claim) + "</td><td>" + esc(t("d_" + r.direction)) + "<br><small>" + esc(t("c_" + r.confidence)) + "</small>" + until(r) + "</td><td>" + prose(r.reading) + notes(r) + how(r) + "</td></tr>").join("") + "</table>";
  }

  /* How current each source is (/api/status): a table in its section and a badge under the title that counts
     current, due and stale tables and links to it. */
  async function sources() {
    const d = await load("status_" + view.lang);
    const el = document.getElementById("b-sources");
    const badge = document.getElementById("status-badge");
    if (!d || !d.rows.length) { badge.hidden = true; return empty(el); }
    const n = { current: 0, due: 0, stale: 0 };
    for (const r of d.rows) if (r.status in n) n[r.status] += 1; else if (r.status === "ended") n.current += 1;
    badge.textContent = t("st_badge").replace("{current}", n.current).replace("{due}", n.due).replace("{stale}", n.stale);
    badge.className = "badge " + (n.stale ? "stale" : n.due ? "due" : "current");
    badge.hidden = false;
    const page = (r) => CAT.source_pages && CAT.source_pages[r.table];
    const name = (r) => esc(r.label || "") + '<br><small><code translate="no">' + esc(r.table.replace(/^core_/, "")) + "</code></small>";
    el.innerHTML = '<table class="status stack"><tr><th>' + t("st_table") + "</th><th>" + t("st_status") + "</th><th>" + t("st_latest") + "</th><th>" + t("st_expected") + '</th><th class="num">' + t("st_behind") + "</th><th>" + t("st_note") + "</th></tr>" +
      d.rows.map((r) => '<tr class="st-' + esc(r.status) + '"><td>' + (page(r) ? '<a href="' + esc(page(r)) + '">' + name(r) + "</a>" : name(r)) + '</td><td class="st" data-h="' + esc(t("st_status")) + '">' + esc(t("st_" + r.status)) + '</td><td data-h="' + esc(t("st_latest")) + '">' + esc(r.latest || "–") + '</td><td data-h="' + esc(t("st_expected")) + '">' + esc(r.expected || "–") + '</td><td class="num" data-h="' + esc(t("st_behind")) + '">' + (r.months_behind === null || r.months_behind === undefined ? "–" : fmt(r.months_behind, 0)) + "</td><td><small>" + esc(r.note) + "</small></td></tr>").join("") + "</table>";
  }

  function labels() {
    document.documentElement.lang = view.lang;
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll("[data-scope]")) el.textContent = " · " + scopeText(el.dataset.scope);
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === view.lang));
    const st = document.getElementById("f-state");
    st.innerHTML = '<option value="00">' + t("national") + "</option>" + CAT.states.map((s) => '<option value="' + esc(s.code) + '">' + esc(s.name) + "</option>").join("");
    st.value = view.state;
    const gr = document.getElementById("f-group");
    gr.innerHTML = CAT.groups.map((g) => '<option value="' + esc(g.key) + '">' + esc(g["label_" + view.lang]) + "</option>").join("");
    gr.value = view.group;
    document.getElementById("f-from").value = view.from || "";
    document.getElementById("f-to").value = view.to || "";
  }

  async function render() {
    labels();
    writeUrl();
    document.body.dataset.ready = "false";
    await Promise.all([
      headline(), series(), map(), hotspots(), disappearances(), municipal(), federal(),
      seizures(), simple("c-overdoses", "overdoses", t("deaths"), "overdose_deaths", t("overdoses_title")),
      simple("c-encounters", "encounters", t("encounters"), "southwest_border_encounters", t("encounters_title")),
      scorecard(), ledger(), evaluation(), audit(), indices(), claims(), sources(),
    ]);
    document.body.dataset.ready = "true";
  }

  async function start() {
    readUrl();
    [S, CAT] = await Promise.all(STATIC
      ? [getScript("static/strings.js", "strings"), getScript("data/catalog.js", "catalog"), getScript("static/mx_states.topojson.js", "topology").then((x) => { TOPO = x; }),
         getScript("static/mx_municipalities.topojson.js", "municipalities").then((x) => { MUNI = x; })]
      : [getJson("static/strings.json"), getJson("api/catalog")]);
    if (!CAT.groups.some((g) => g.key === view.group)) view.group = CAT.groups[0].key;
    for (const b of document.querySelectorAll("[data-lang]")) b.addEventListener("click", () => { view.lang = b.dataset.lang; render(); });
    const on = (id, f) => document.getElementById(id).addEventListener("change", (e) => { f(e.target.value); render(); });
    on("f-state", (v) => { view.state = v; });
    on("f-group", (v) => { view.group = v; });
    on("f-from", (v) => { view.from = /^\d{4}$/.test(v) ? +v : null; });
    on("f-to", (v) => { view.to = /^\d{4}$/.test(v) ? +v : null; });
    await render();
  }

  start();
})();
