// The search page: state in the URL, results from GET /search.
// Article text only ever reaches the page through textContent (see el()); highlights arrive as
// [{text, mark}] segments and become <mark> elements, never HTML strings.
"use strict";

const FACET_PARAM = { languages: "lang", sources: "source", people: "entity", organisations: "entity", places: "entity" };
const DEFAULT_SIZE = 20;

const state = { q: "", sort: "relevance", lang: [], source: [], entity: [], from: "", to: "", size: DEFAULT_SIZE };
const entityNames = new Map(); // entity id -> name, for filters chosen by id
let next = null;
let requestNo = 0;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  state.q = params.get("q") || "";
  state.sort = params.get("sort") === "newest" ? "newest" : "relevance";
  for (const key of ["lang", "source", "entity"]) state[key] = params.getAll(key);
  state.from = params.get("from") || "";
  state.to = params.get("to") || "";
  const size = Number.parseInt(params.get("size") || "", 10);
  state.size = size >= 1 && size <= 100 ? size : DEFAULT_SIZE;
}

function queryString(cursor) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  for (const key of ["lang", "source", "entity"]) for (const v of state[key]) params.append(key, v);
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.size !== DEFAULT_SIZE) params.set("size", String(state.size));
  if (cursor) params.set("cursor", cursor);
  return params;
}

function toggle(param, value, name) {
  const values = state[param];
  const at = values.indexOf(value);
  if (at >= 0) values.splice(at, 1); else values.push(value);
  if (name && name !== value) entityNames.set(value, name);
  run();
}

async function fetchPage(cursor) {
  const params = queryString(cursor);
  if (cursor) params.set("facets", "none"); // same query: the facets shown still hold
  const response = await fetch("/search?" + params.toString(), { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    const detail = Array.isArray(body.detail)
      ? body.detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ")
      : body.detail;
    throw new Error(detail || `HTTP ${response.status}`);
  }
  return body;
}

async function run() {
  history.replaceState(null, "", "?" + queryString().toString());
  syncForm();
  renderActive();
  const mine = ++requestNo;
  setStatus("Searching…");
  try {
    const page = await fetchPage(null);
    if (mine !== requestNo) return; // a newer search has started
    document.getElementById("hits").replaceChildren(...page.hits.map(renderHit));
    renderFacets(page.facets);
    setStatus(`${page.total} article${page.total === 1 ? "" : "s"} · ${page.took_ms} ms`);
    setNext(page.next);
  } catch (err) {
    if (mine !== requestNo) return;
    document.getElementById("hits").replaceChildren();
    setNext(null);
    setStatus(err.message, true);
  }
}

async function more() {
  if (!next) return;
  const mine = requestNo;
  const button = document.getElementById("more");
  button.disabled = true;
  try {
    const page = await fetchPage(next);
    if (mine !== requestNo) return;
    document.getElementById("hits").append(...page.hits.map(renderHit));
    setNext(page.next);
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    button.disabled = false;
  }
}

function setNext(cursor) {
  next = cursor;
  document.getElementById("more").hidden = !cursor;
}

function setStatus(text, isError) {
  const node = document.getElementById("status");
  node.textContent = text;
  node.classList.toggle("error", Boolean(isError));
}

function segments(parent, list) {
  for (const seg of list) parent.append(seg.mark ? el("mark", seg.text) : document.createTextNode(seg.text));
  return parent;
}

function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function renderHit(hit) {
  const item = el("li", null, "hit");
  item.dataset.id = hit.id;
  const heading = el("h3");
  const href = hit.url ? safeHref(hit.url) : null;
  const title = href ? el("a") : el("span");
  if (href) {
    title.href = href;
    title.target = "_blank";
    title.rel = "noopener noreferrer";
  }
  heading.append(segments(title, hit.highlights.title.length ? hit.highlights.title : [{ text: hit.title, mark: false }]));
  item.append(heading);

  const meta = el("div", null, "meta");
  meta.append(el("span", hit.language, "lang"));
  const time = el("time", hit.published_at.slice(0, 16).replace("T", " "));
  time.dateTime = hit.published_at;
  meta.append(time, el("span", hit.source, "source"));
  item.append(meta);

  if (hit.highlights.body.length) {
    const snippet = el("p", null, "snippet");
    hit.highlights.body.forEach((fragment, i) => {
      if (i > 0) snippet.append(document.createTextNode(" … "));
      segments(snippet, fragment);
    });
    item.append(snippet);
  }

  if (hit.entities.length) {
    const chips = el("div", null, "chips");
    for (const entity of hit.entities.slice(0, 8)) {
      const value = entity.id || entity.name;
      const chip = el("button", entity.name, "chip " + entity.label.toLowerCase());
      chip.type = "button";
      chip.title = `Filter by ${entity.name}`;
      chip.setAttribute("aria-pressed", String(state.entity.includes(value)));
      chip.addEventListener("click", () => toggle("entity", value, entity.name));
      chips.append(chip);
    }
    item.append(chips);
  }
  return item;
}

function renderFacets(facets) {
  for (const section of document.querySelectorAll(".facet[data-facet]")) {
    const name = section.dataset.facet;
    const param = FACET_PARAM[name];
    const buckets = facets[name] || [];
    const list = section.querySelector("ul");
    list.replaceChildren(...buckets.map((bucket) => {
      const item = el("li");
      const button = el("button", null, "facet-value");
      button.type = "button";
      const selected = state[param].includes(bucket.value);
      button.setAttribute("aria-pressed", String(selected));
      button.append(el("span", bucket.value, "value"), el("span", String(bucket.count), "count"));
      button.addEventListener("click", () => toggle(param, bucket.value));
      item.append(button);
      return item;
    }));
    section.hidden = buckets.length === 0;
  }
  renderHistogram(facets.dates);
}

function lastDay(start, interval) {
  const d = new Date(start + "T00:00:00Z");
  if (interval === "week") d.setUTCDate(d.getUTCDate() + 6);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + 1, 0);
  else if (interval === "year") d.setUTCFullYear(d.getUTCFullYear(), 11, 31);
  return d.toISOString().slice(0, 10);
}

function renderHistogram(dates) {
  const box = document.getElementById("histogram");
  const buckets = dates ? dates.buckets : [];
  const top = Math.max(1, ...buckets.map((b) => b.count));
  box.replaceChildren(...buckets.map((bucket) => {
    const bar = el("button", null, "bar");
    bar.type = "button";
    bar.title = `${bucket.date} (${dates.interval}): ${bucket.count}`;
    bar.style.height = `${Math.max(2, Math.round((bucket.count / top) * 48))}px`;
    bar.addEventListener("click", () => {
      state.from = bucket.date;
      state.to = lastDay(bucket.date, dates.interval);
      run();
    });
    return bar;
  }));
}

function renderActive() {
  const box = document.getElementById("active");
  const chips = [];
  const add = (label, remove) => {
    const chip = el("button", `${label} ×`, "chip active");
    chip.type = "button";
    chip.title = "Remove this filter";
    chip.addEventListener("click", () => { remove(); run(); });
    chips.push(chip);
  };
  for (const key of ["lang", "source", "entity"]) {
    for (const value of state[key]) {
      add(entityNames.get(value) || value, () => state[key].splice(state[key].indexOf(value), 1));
    }
  }
  if (state.from || state.to) add(`${state.from || "…"} – ${state.to || "…"}`, () => { state.from = ""; state.to = ""; });
  box.replaceChildren(...chips);
}

function syncForm() {
  document.getElementById("q").value = state.q;
  document.getElementById("sort").value = state.sort;
  document.getElementById("from").value = state.from;
  document.getElementById("to").value = state.to;
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = document.getElementById("q").value.trim();
    state.sort = document.getElementById("sort").value;
    run();
  });
  document.getElementById("sort").addEventListener("change", (event) => {
    state.sort = event.target.value;
    run();
  });
  document.getElementById("date-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.from = document.getElementById("from").value;
    state.to = document.getElementById("to").value;
    run();
  });
  document.getElementById("more").addEventListener("click", more);
  readUrl();
  run();
});
