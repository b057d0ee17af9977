// The dashboard's script: fetches the control API (/_mock/...) and renders it. Vanilla
// JavaScript, no dependency, no build step: the page must work offline, served by the mock.
// Every value from the server is written with textContent, never parsed as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "vonage-numbers-mock.admin-token";
  const POLL_MS = 1000;
  const JOURNAL_ROWS = 300;
  const OWNED_ROWS_PER_ACCOUNT = 200;
  const OWNED_OPTIONS = 500;
  const NOTICE_MS = 8000;
  const RETRY_MS = 3000;
  const TYPE_NAMES = {
    "landline": "Landline",
    "mobile-lvn": "Mobile",
    "landline-toll-free": "Toll-free",
  };
  const WRITES = new Set(["buy", "cancel", "update"]);
  const BASE_WORLD = "base";
  const integer = new Intl.NumberFormat("en-US");

  const $ = (id) => document.getElementById(id);

  // -- DOM helpers ------------------------------------------------------------------------

  /** An element with attributes (`class`, `text`, anything else) and children. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Replace a node's children (arrays of children flattened, as `el` does). */
  const fill = (node, ...children) => node.replaceChildren(
    ...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));

  const count = (n) => integer.format(n);
  const typeName = (type) => TYPE_NAMES[type] || type;
  const unset = (text = "—") => el("span", { class: "unset", text });

  let noticeTimer = null;
  function notify(message, bad = false) {
    const notice = $("notice");
    notice.textContent = message;
    notice.classList.toggle("bad", bad);
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { notice.hidden = true; }, NOTICE_MS);
  }

  // -- the control API ----------------------------------------------------------------------

  /** A failure already dealt with (the login form is up, or the world shown changed). */
  class Quiet extends Error {}
  class AuthRequired extends Quiet {}
  /** The world shown changed while a call was out: its answer belongs to the old one. */
  class WorldChanged extends Quiet {}

  class ApiError extends Error {
    constructor(status, problem) {
      const detail = problem && (problem.detail || problem.title);
      const field = problem && problem.field;
      super(field && detail ? `${field}: ${detail}` : detail || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  /**
   * A control API call with the admin token; JSON out, ApiError or Quiet on failure. `scoped`
   * calls act on the world shown (`?world=`, none for the base); the worlds' own routes are not.
   */
  async function api(path, { method = "GET", json, body, scoped = true } = {}) {
    const headers = { "Accept": "application/json" };
    const stored = token();
    if (stored) headers["Authorization"] = `Bearer ${stored}`;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const generation = world.generation;
    const url = scoped ? inWorld(path) : path;
    const response = await fetch(url, { method, headers, body, cache: "no-store" });
    const text = await response.text();
    if (generation !== world.generation) throw new WorldChanged();
    if (response.status === 401) {
      askForToken(stored ? "The mock refused this token. Enter the current one." : "");
      throw new AuthRequired();
    }
    const data = text ? parseJson(text) : null;
    if (!response.ok) {
      if (scoped && response.status === 404 && world.id !== BASE_WORLD && data && data.field === "world") {
        worldGone(data.detail);  // deleted, or expired: the page goes back to the base world
        throw new WorldChanged();
      }
      throw new ApiError(response.status, data);
    }
    return data;
  }

  /** A control path for the world shown. */
  function inWorld(path) {
    if (world.id === BASE_WORLD) return path;
    return `${path}${path.includes("?") ? "&" : "?"}world=${encodeURIComponent(world.id)}`;
  }

  function parseJson(text) {
    try { return JSON.parse(text); } catch { return null; }
  }

  // -- the admin token ----------------------------------------------------------------------

  function askForToken(message) {
    stopPolling();
    $("app").hidden = true;
    $("toolbar").hidden = true;
    $("world-picker").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message;
    $("health").textContent = "Locked: admin token required";
    $("token-input").focus();
  }

  async function unlock(event) {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("login-error").textContent = "";
    await open();
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  }

  // -- tabs -------------------------------------------------------------------------------------

  const tabs = () => Array.from(document.querySelectorAll('[role="tab"]'));

  function selectTab(tab, focus = false) {
    for (const other of tabs()) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    const name = tab.id.replace("tab-", "");
    history.replaceState(null, "", `#${name}`);
    if (name === "journal") setBadge("journal-badge", 0);
  }

  function wireTabs() {
    for (const tab of tabs()) tab.addEventListener("click", () => selectTab(tab));
    document.querySelector('[role="tablist"]').addEventListener("keydown", (event) => {
      const all = tabs();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectTab(all[(moves[event.key] + all.length) % all.length], true);
    });
    const wanted = $(`tab-${location.hash.slice(1)}`);
    if (wanted && wanted.getAttribute("role") === "tab") selectTab(wanted);
  }

  const currentTab = () => document.querySelector('[role="tab"][aria-selected="true"]').id;

  function setBadge(id, value) {
    const badge = $(id);
    badge.hidden = !value;
    badge.textContent = value ? String(value) : "";
  }

  // -- health (the header line) -----------------------------------------------------------------

  let lastHealth = null;

  async function loadVersion() {
    const health = await api("/_mock/health", { scoped: false });
    $("version").textContent = health.version ? `v${health.version}` : "";
  }

  /** The worlds and the shown one's counts (the header line); whether those counts changed. */
  async function pollHealth() {
    const listing = await api("/_mock/worlds", { scoped: false });
    renderWorlds(listing);
    const shown = listing.worlds.find((entry) => entry.id === world.id);
    if (!shown) {
      // Deleted, or expired: a call on it is answered with a 404 saying which (see api).
      await api("/_mock/faults");
      worldGone("it is no longer listed");
      throw new WorldChanged();
    }
    fill($("health"),
      world.id === BASE_WORLD ? null : ["World ", el("strong", { text: worldLabel(shown) }), ": "],
      el("strong", { text: count(shown.accounts) }), " accounts · ",
      el("strong", { text: count(shown.available) }), " numbers for sale · ",
      el("strong", { text: count(shown.owned) }), " owned",
    );
    const key = `${shown.accounts}/${shown.available}/${shown.owned}`;
    const changed = lastHealth !== null && key !== lastHealth;
    lastHealth = key;
    return changed;
  }

  // -- worlds -------------------------------------------------------------------------------------

  // The world every view shows and acts on; `generation` counts the changes of world, so that an
  // answer about the world shown before is recognised (api) and dropped.
  const world = {
    id: new URLSearchParams(location.search).get("world") || BASE_WORLD,
    generation: 0,
    choices: null,
    rows: null,
  };

  const worldLabel = (entry) => entry.name ? `${entry.id} (${entry.name})` : entry.id;

  /** Show another world: every view reloads from it, and the address remembers it. */
  async function showWorld(id, message = "", bad = false) {
    world.id = id;
    world.generation += 1;
    const url = new URL(location.href);
    if (id === BASE_WORLD) url.searchParams.delete("world");
    else url.searchParams.set("world", id);
    history.replaceState(null, "", url);
    stopPolling();
    lastHealth = null;
    search.params = null;
    revealed.clear();
    resetJournalView();
    fill($("delivery"), el("p", { class: "empty", text: "Nothing sent yet." }));
    world.choices = null;  // the selector is filled again, the new world chosen
    if (message) notify(message, bad);
    await open();
  }

  /** The world shown no longer exists (deleted or expired): back to the base world. */
  function worldGone(detail) {
    const gone = world.id;
    showWorld(BASE_WORLD, `World ${gone} is gone (${detail}): showing the base world.`, true)
      .catch(report);
  }

  function renderWorlds(listing) {
    const { worlds } = listing;
    const choices = JSON.stringify(worlds.map((entry) => [entry.id, entry.name]));
    if (choices !== world.choices) {
      world.choices = choices;
      const select = $("world-select");
      fill(select, worlds.map((entry) => el("option", {
        value: entry.id,
        text: entry.id === BASE_WORLD ? "base (loaded at start)" : worldLabel(entry),
      })));
      if (!worlds.some((entry) => entry.id === world.id)) {
        select.append(el("option", { value: world.id, text: world.id }));  // about to fall back
      }
      select.value = world.id;
    }
    setBadge("worlds-badge", worlds.length - 1);
    const timeout = listing.idle_timeout;
    $("worlds-limits").textContent = `${count(worlds.length - 1)} of at most ${count(listing.max_worlds)} made; `
      + (timeout > 0 ? `one unused for ${duration(timeout)} is dropped.` : "kept until deleted.");
    // Rows are made again when a world or its counts change; the idle times change in place.
    const rows = JSON.stringify([world.id, worlds.map(({ idle_seconds, ...rest }) => rest)]);
    if (rows !== world.rows) {
      world.rows = rows;
      $("worlds-body").replaceChildren(...worlds.map(worldRow));
    }
    for (const entry of worlds) {
      const idle = document.querySelector(`#worlds-body [data-idle="${CSS.escape(entry.id)}"]`);
      if (idle && entry.id !== BASE_WORLD) idle.textContent = duration(entry.idle_seconds);
    }
  }

  function worldRow(entry) {
    const shown = entry.id === world.id;
    const base = entry.id === BASE_WORLD;
    const made = new Date(entry.created_at);
    return el("tr", { "data-world": entry.id, class: shown ? "current" : null, "aria-current": shown ? "true" : null },
      el("th", { scope: "row", class: "mono", text: entry.id }),
      el("td", {}, base ? "the state loaded at start" : entry.name || unset()),
      el("td", {}, el("time", { datetime: entry.created_at, text: made.toLocaleString("en-GB") })),
      el("td", { class: "num", text: count(entry.accounts) }),
      el("td", { class: "num", text: count(entry.available) }),
      el("td", { class: "num", text: count(entry.owned) }),
      el("td", { class: "num", "data-idle": entry.id }, base ? unset("never dropped") : duration(entry.idle_seconds)),
      el("td", { class: "actions" },
        shown
          ? el("span", { class: "shown", text: "Shown" })
          : el("button", { type: "button", text: "Show", "aria-label": `Show world ${entry.id}`,
            onclick: () => showWorld(entry.id).catch(report) }),
        base ? null : el("button", { type: "button", text: "Delete", "aria-label": `Delete world ${entry.id}`,
          onclick: () => deleteWorld(entry.id).catch(report) })),
    );
  }

  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
  }

  async function makeWorld(event) {
    event.preventDefault();
    const error = $("world-error");
    error.textContent = "";
    const name = event.target.elements.name.value.trim();
    try {
      const made = await api("/_mock/worlds", { method: "POST", json: name ? { name } : {}, scoped: false });
      event.target.reset();
      await showWorld(made.id, `World ${made.id} made: ${count(made.accounts.length)} accounts under fresh credentials, listed below.`);
    } catch (failure) {
      if (!(failure instanceof Quiet)) error.textContent = `Refused: ${failure.message}`;
    }
  }

  async function deleteWorld(id) {
    if (!window.confirm(`Delete world ${id}? Its credentials stop working at once.`)) return;
    await api(`/_mock/worlds/${encodeURIComponent(id)}`, { method: "DELETE", scoped: false });
    if (id === world.id) {
      await showWorld(BASE_WORLD, `World ${id} deleted: showing the base world.`);
      return;
    }
    notify(`World ${id} deleted.`);
    await pollHealth();
  }

  // -- credentials ----------------------------------------------------------------------------

  // The api_keys whose secret is shown (until the world shown changes).
  const revealed = new Set();

  function renderCredentials(accounts) {
    const shown = world.id === BASE_WORLD ? "the base world" : `world ${world.id}`;
    $("credentials-heading").textContent = `Credentials of ${shown}`;
    $("credentials-body").replaceChildren(...accounts.map((account) => {
      const secret = el("code", { class: "secret" });
      const toggle = el("button", { type: "button", class: "quiet", "aria-label": `Show the secret of ${account.api_key}` });
      const render = () => {
        const open = revealed.has(account.api_key);
        secret.textContent = open ? account.api_secret : "••••••••";
        secret.setAttribute("data-secret", open ? account.api_key : "hidden");
        toggle.textContent = open ? "Hide" : "Show";
        toggle.setAttribute("aria-pressed", String(open));
      };
      toggle.addEventListener("click", () => {
        if (revealed.has(account.api_key)) revealed.delete(account.api_key);
        else revealed.add(account.api_key);
        render();
      });
      render();
      return el("tr", { "data-credentials": account.api_key },
        el("td", {}, account.name || unset("no name")),
        el("td", {}, account.parent ? ["subaccount of ", el("code", { text: account.parent })] : "primary"),
        el("td", {}, el("code", { class: "key", text: account.api_key })),
        el("td", { class: "secret-cell" }, secret, " ", toggle),
      );
    }));
  }

  // -- inventory --------------------------------------------------------------------------------

  const search = { params: null, index: 1, count: 0, size: 25 };

  async function loadSummary() {
    const summary = await api("/_mock/inventory/summary");
    renderSummary(summary);
    fillCountries(summary.countries.map((entry) => entry.country));
    return summary;
  }

  function renderSummary(summary) {
    fill($("summary-head"),
      el("th", { scope: "col", text: "Country" }),
      summary.types.map((type) => el("th", { scope: "col", class: "num", text: typeName(type) })),
      el("th", { scope: "col", class: "num", text: "Total" }),
    );
    $("summary-body").replaceChildren(...summary.countries.map((entry) => el("tr",
      { "data-country": entry.country },
      el("th", { scope: "row", text: entry.country }),
      summary.types.map((type) => el("td", { class: "num" },
        countCell(entry.types[type], entry.country, type))),
      el("td", { class: "num", "data-total": entry.country },
        countCell(entry.total, entry.country, "")),
    )));
    fill($("summary-foot"),
      el("th", { scope: "row", text: "All" }),
      summary.types.map((type) => el("td", { class: "num",
        text: count(summary.countries.reduce((sum, entry) => sum + (entry.types[type] || 0), 0)) })),
      el("td", { class: "num", text: count(summary.total) }),
    );
  }

  function countCell(value, country, type) {
    if (value === undefined) return unset("—");
    if (value === 0) return el("span", { class: "zero", text: "0" });
    const what = type ? `${typeName(type).toLowerCase()} numbers` : "numbers";
    return el("button", {
      type: "button", class: "link", text: count(value),
      "aria-label": `List ${count(value)} ${country} ${what}`,
      onclick: () => browse(country, type),
    });
  }

  function fillCountries(countries) {
    const select = $("search-country");
    const chosen = select.value;
    select.replaceChildren(...countries.map((country) => el("option", { value: country, text: country })));
    if (countries.includes(chosen)) select.value = chosen;
    else if (countries.includes("GB")) select.value = "GB";
  }

  function browse(country, type) {
    const form = $("search-form");
    form.elements.country.value = country;
    form.elements.type.value = type;
    form.elements.pattern.value = "";
    for (const box of form.querySelectorAll('input[name="features"]')) box.checked = false;
    runSearch(1);
  }

  function searchParams() {
    const form = $("search-form");
    const params = new URLSearchParams();
    params.set("country", form.elements.country.value);
    if (form.elements.type.value) params.set("type", form.elements.type.value);
    const features = Array.from(form.querySelectorAll('input[name="features"]:checked'))
      .map((box) => box.value);
    if (features.length) params.set("features", features.join(","));
    const pattern = form.elements.pattern.value.trim();
    if (pattern) {
      params.set("pattern", pattern);
      params.set("search_pattern", form.elements.search_pattern.value);
    }
    params.set("size", form.elements.size.value);
    return params;
  }

  async function runSearch(index) {
    if (!$("search-country").value) return;
    search.params = searchParams();
    await showPage(index);
  }

  async function showPage(index) {
    if (!search.params) return;
    const params = new URLSearchParams(search.params);
    params.set("index", String(index));
    const status = $("search-status");
    let page;
    try {
      page = await api(`/_mock/inventory/search?${params}`);
    } catch (error) {
      if (error instanceof Quiet) return;
      status.textContent = `Search refused: ${error.message}`;
      status.classList.add("error");
      return;
    }
    status.classList.remove("error");
    const pages = Math.max(1, Math.ceil(page.count / page.size));
    if (page.index > pages) {
      await showPage(pages);  // numbers were bought since: the page shown no longer exists
      return;
    }
    Object.assign(search, { index: page.index, count: page.count, size: page.size });
    const where = params.get("country") + (params.get("type") ? ` ${typeName(params.get("type")).toLowerCase()}` : "");
    status.textContent = page.count === 0
      ? `No ${where} numbers match.`
      : `${count(page.count)} ${where} numbers match · page ${count(page.index)} of ${count(pages)}`;
    $("search-body").replaceChildren(...page.numbers.map((number) => el("tr", {},
      el("td", { class: "mono", text: number.msisdn }),
      el("td", { text: number.country }),
      el("td", { text: typeName(number.type) }),
      el("td", { text: number.features.join(", ") }),
      el("td", { class: "num", text: `€${number.cost}` }),
      el("td", { class: "num", text: `€${number.initialPrice}` }),
    )));
    $("search-table").hidden = page.numbers.length === 0;
    $("page-label").textContent = page.count ? `Page ${count(page.index)} of ${count(pages)}` : "";
    $("page-prev").disabled = page.index <= 1;
    $("page-next").disabled = page.index * page.size >= page.count;
  }

  // -- accounts and owned numbers ---------------------------------------------------------------

  let owned = [];

  async function loadState() {
    const state = await api("/_mock/state");
    owned = state.owned;
    renderAccounts(state);
    renderCredentials(state.accounts);
    fillOwnedSelects();
    return state;
  }

  function renderAccounts(state) {
    const byAccount = new Map(state.accounts.map((account) => [account.api_key, []]));
    for (const number of state.owned) {
      if (!byAccount.has(number.api_key)) byAccount.set(number.api_key, []);
      byAccount.get(number.api_key).push(number);
    }
    $("accounts").replaceChildren(...state.accounts.map((account) =>
      accountView(account, byAccount.get(account.api_key))));
  }

  function accountView(account, numbers) {
    const title = account.name || account.api_key;
    const headingId = `account-${account.api_key}`;
    const shown = numbers.slice(0, OWNED_ROWS_PER_ACCOUNT);
    return el("section", { class: "account", "aria-labelledby": headingId, "data-account": account.api_key },
      el("div", { class: "account-head" },
        el("h3", { id: headingId }, title, " ", el("code", { text: account.api_key })),
        el("dl", { class: "facts" },
          el("div", {}, el("dt", { text: "Balance" }),
            el("dd", { "data-balance": account.api_key, text: `€${account.balance}` })),
          account.parent ? el("div", {}, el("dt", { text: "Subaccount of" }),
            el("dd", {}, el("code", { text: account.parent }))) : null,
          el("div", {}, el("dt", { text: "Numbers" }), el("dd", { text: count(numbers.length) })),
        ),
      ),
      numbers.length === 0
        ? el("p", { class: "empty", text: "Owns no numbers." })
        : el("table", { class: "data owned" },
          el("caption", { class: "visually-hidden", text: `Numbers owned by ${title}` }),
          el("colgroup", {}, ["number", "country", "type", "features", "sms", "app", "voice", "events"]
            .map((name) => el("col", { class: name }))),
          el("thead", {}, el("tr", {},
            ["Number", "Country", "Type", "Features", "SMS webhook (moHttpUrl)",
              "Application (app_id)", "Voice callback", "Voice events"]
              .map((name) => el("th", { scope: "col", text: name })))),
          el("tbody", {}, shown.map(ownedRow)),
        ),
      numbers.length > shown.length
        ? el("p", { class: "hint", text: `Showing the first ${count(shown.length)} of ${count(numbers.length)}.` })
        : null,
    );
  }

  function ownedRow(number) {
    const voice = number.voiceCallbackType
      ? `${number.voiceCallbackType} · ${number.voiceCallbackValue || ""}` : null;
    const app = [number.app_id,
      number.messagesCallbackType ? `messages ${number.messagesCallbackType} · ${number.messagesCallbackValue || ""}` : null]
      .filter(Boolean);
    return el("tr", { "data-msisdn": number.msisdn },
      el("td", { class: "mono", text: number.msisdn }),
      el("td", { text: number.country }),
      el("td", { text: typeName(number.type) }),
      el("td", { text: number.features.join(", ") }),
      el("td", { class: "config mono" }, number.moHttpUrl || unset()),
      el("td", { class: "config mono" }, app.length ? app.join(" · ") : unset()),
      el("td", { class: "config mono" }, voice || unset()),
      el("td", { class: "config mono" }, number.voiceStatusCallback || unset()),
    );
  }

  function fillOwnedSelects() {
    fillOwnedSelect($("sms-to"), (number) => {
      if (!number.features.includes("SMS")) return [false, "no SMS feature"];
      return number.moHttpUrl ? [true, "SMS webhook set"] : [false, "no SMS webhook"];
    });
    fillOwnedSelect($("call-to"), (number) => {
      if (!number.features.includes("VOICE")) return [false, "no VOICE feature"];
      // The mock's rule (mock_server.simulation.webhooks.call_targets): http(s) URLs only.
      const urls = [isHttp(number.voiceCallbackValue) ? "answer URL" : null,
        isHttp(number.voiceStatusCallback) ? "event URL" : null].filter(Boolean);
      return urls.length ? [true, `${urls.join(" + ")} set`] : [false, "no voice webhook"];
    });
  }

  const isHttp = (value) => typeof value === "string" && /^https?:\/\//i.test(value);

  /** The owned numbers as options: those that can receive first, at most OWNED_OPTIONS. */
  function fillOwnedSelect(select, describe) {
    const chosen = select.value;
    const described = owned.map((number) => [number, ...describe(number)]);
    const ready = described.filter(([, receives]) => receives);
    const rest = described.filter(([, receives]) => !receives);
    const options = [...ready, ...rest].slice(0, OWNED_OPTIONS);
    fill(select, options.map(([number, , note]) => el("option", {
      value: number.msisdn,
      text: `${number.msisdn} (${number.country}, ${number.api_key}) · ${note}`,
    })));
    if (options.some(([number]) => number.msisdn === chosen)) select.value = chosen;
  }

  // -- the request journal ------------------------------------------------------------------

  const journal = { lastId: 0, lastTime: null, paused: false, unseen: 0 };

  async function pollJournal() {
    const query = journal.lastTime
      ? `since=${encodeURIComponent(journal.lastTime)}`
      : `limit=${JOURNAL_ROWS}`;
    const { requests } = await api(`/_mock/requests?${query}`);
    // `since` includes entries of that very instant: keep only those not shown yet.
    const fresh = requests.filter((entry) => entry.id > journal.lastId);
    if (fresh.length) addJournalRows(fresh, journal.lastTime !== null);
    return fresh;
  }

  function addJournalRows(entries, highlight) {
    const body = $("journal-body");
    for (const entry of entries) {
      const row = journalRow(entry);
      if (highlight) row.classList.add("fresh");
      body.prepend(row);
      journal.lastId = Math.max(journal.lastId, entry.id);
      journal.lastTime = entry.time;
    }
    const shown = body.querySelectorAll("tr.entry");
    for (let i = JOURNAL_ROWS; i < shown.length; i += 1) {
      const next = shown[i].nextElementSibling;
      if (next && next.classList.contains("details")) next.remove();
      shown[i].remove();
    }
    $("journal-empty").hidden = body.rows.length > 0;
    if (highlight && currentTab() !== "tab-journal") {
      journal.unseen += entries.length;
      setBadge("journal-badge", journal.unseen);
    }
  }

  function resetJournalView() {
    $("journal-body").replaceChildren();
    $("journal-empty").hidden = false;
    journal.lastId = 0;
    journal.lastTime = null;
    journal.unseen = 0;
    setBadge("journal-badge", 0);
  }

  /** Whether the journal was emptied or replaced behind the page's back (a reset elsewhere). */
  async function journalWasCleared() {
    if (!journal.lastId) return false;
    const { requests } = await api("/_mock/requests?limit=1");
    return requests.length === 0 || requests[0].id < journal.lastId;
  }

  function journalRow(entry) {
    const time = new Date(entry.time);
    const clock = time.toLocaleTimeString("en-GB", { hour12: false })
      + "." + String(time.getMilliseconds()).padStart(3, "0");
    const params = Object.entries(entry.params)
      .filter(([name]) => name !== "api_key" && name !== "api_secret")
      .map(([name, value]) => `${name}=${value}`).join("  ");
    const unmatched = entry.operation === "unmatched";
    const toggle = el("button", {
      type: "button", class: "expand", "aria-expanded": "false",
      "aria-label": `Details of ${entry.operation} call ${entry.id}`,
      onclick: () => toggleDetails(row, entry, toggle),
    }, el("time", { datetime: entry.time, text: clock }));
    const row = el("tr", {
      class: unmatched ? "entry unmatched" : "entry",
      "data-id": entry.id, "data-operation": entry.operation,
    },
      el("td", { class: "mono" }, toggle),
      el("td", { title: `${entry.method} ${entry.path}` }, operationView(entry)),
      el("td", { class: "mono" }, entry.api_key || unset()),
      el("td", { class: "params mono" }, params || unset()),
      el("td", {}, statusView(entry)),
      el("td", {}, entry.fault ? el("span", { class: "fault-tag", text: entry.fault }) : unset()),
      el("td", { class: "num", text: entry.duration_ms.toFixed(1) }),
    );
    return row;
  }

  function operationView(entry) {
    if (entry.operation !== "unmatched") return el("strong", { text: entry.operation });
    // A call to no Numbers API route: what was asked, and the route it most likely meant.
    return el("span", { class: "unmatched-view" },
      el("strong", { class: "unmatched-tag", text: "unmatched" }),
      el("span", { class: "mono asked", text: ` ${entry.method} ${entry.path}` }),
      entry.hint ? el("span", { class: "hint", text: entry.hint }) : null);
  }

  /** Opens (or closes) the row below an entry: its parameters and the answer it got. */
  function toggleDetails(row, entry, toggle) {
    const open = toggle.getAttribute("aria-expanded") === "true";
    const next = row.nextElementSibling;
    if (open) {
      if (next && next.classList.contains("details")) next.remove();
      toggle.setAttribute("aria-expanded", "false");
      return;
    }
    row.after(detailsRow(entry));
    toggle.setAttribute("aria-expanded", "true");
  }

  function detailsRow(entry) {
    const params = Object.entries(entry.params);
    return el("tr", { class: "details", "data-details": entry.id },
      el("td", { colspan: 7 },
        el("div", { class: "details-grid" },
          el("section", { "aria-label": "Request" },
            el("h3", { text: `Request · ${entry.method} ${entry.path}` }),
            entry.hint ? el("p", { class: "hint", text: entry.hint }) : null,
            params.length
              ? el("dl", { class: "params-list" },
                params.map(([name, value]) => [el("dt", { text: name }), el("dd", { class: "mono", text: value })]))
              : el("p", { class: "empty", text: "No parameters." })),
          el("section", { "aria-label": "Response" },
            el("h3", { text: entry.status === null ? "Response · none" : `Response · ${entry.status}` }),
            entry.response
              ? el("pre", { class: "body mono", text: pretty(entry.response) })
              : el("p", { class: "empty", text: "No body recorded." })))));
  }

  function pretty(text) {
    const parsed = parseJson(text);
    return parsed === null ? text : JSON.stringify(parsed, null, 2);
  }

  function statusView(entry) {
    if (entry.status === null) {
      // A Vonage call the mock dropped, or a webhook that never answered the mock.
      const inbound = entry.operation.startsWith("inbound");
      return el("span", { class: "status bad" }, inbound ? "no answer" : "dropped",
        inbound && entry.response ? el("span", { class: "label", text: `: ${entry.response}` }) : null);
    }
    const ok = entry.status < 400;
    const label = ok ? "" : errorLabel(entry.response);
    return el("span", { class: `status ${ok ? "ok" : "bad"}` },
      String(entry.status), label ? el("span", { class: "label", text: ` ${label}` }) : null);
  }

  function errorLabel(response) {
    const body = response ? parseJson(response) : null;
    if (!body || typeof body !== "object") return "";
    if (body["error-code-label"]) return body["error-code-label"];
    return Object.entries(body).map(([name, problem]) => `${name}: ${problem}`).join(", ");
  }

  async function togglePause() {
    journal.paused = !journal.paused;
    $("journal-pause").setAttribute("aria-pressed", String(journal.paused));
    $("journal-pause").textContent = journal.paused ? "Resume" : "Pause";
    $("journal-state").textContent = journal.paused ? "Paused" : "Live";
    $("journal-state").classList.toggle("paused", journal.paused);
  }

  async function clearJournal() {
    await api("/_mock/requests", { method: "DELETE" });
    resetJournalView();
    notify("Journal emptied.");
  }

  // -- fault rules ------------------------------------------------------------------------------

  async function loadFaults() {
    const { seed, faults } = await api("/_mock/faults");
    $("fault-seed").textContent = `Seed of the random draws: ${seed}.`;
    $("faults-body").replaceChildren(...faults.map(faultRow));
    $("faults-empty").hidden = faults.length > 0;
    setBadge("faults-badge", faults.length);
  }

  function faultRow(rule) {
    const match = Object.entries(rule.match || {}).filter(([, value]) => value)
      .map(([name, value]) => `${name}=${value}`).join(" ");
    const latency = Array.isArray(rule.latency_ms)
      ? `${rule.latency_ms[0]}–${rule.latency_ms[1]} ms` : rule.latency_ms ? `${rule.latency_ms} ms` : "";
    const effect = [
      rule.drop ? "drop" : null,
      rule.status ? `${rule.status} ${rule.label || ""}`.trim() : null,
      latency ? `after ${latency}` : null,
    ].filter(Boolean).join(", ");
    return el("tr", { "data-rule": rule.id },
      el("td", { class: "mono", text: rule.id }),
      el("td", { text: rule.operation === "*" ? "every" : rule.operation }),
      el("td", { class: "mono" }, match || unset("any call")),
      el("td", { class: "fault-tag", text: effect }),
      el("td", { text: rule.times === null ? "forever" : count(rule.times) }),
      el("td", { text: `${Math.round(rule.probability * 1000) / 10}%` }),
      el("td", { text: count(rule.fired) }),
      el("td", {}, el("button", {
        type: "button", text: "Remove", "aria-label": `Remove rule ${rule.id}`,
        onclick: () => removeFault(rule.id),
      })),
    );
  }

  function faultFromForm(form) {
    const values = form.elements;
    const rule = { operation: values.operation.value };
    if (values.status.value) rule.status = Number(values.status.value);
    if (values.label.value.trim()) rule.label = values.label.value.trim();
    if (values.times.value) rule.times = Number(values.times.value);
    if (values.probability.value !== "") rule.probability = Number(values.probability.value);
    if (Number(values.latency_ms.value) > 0) rule.latency_ms = Number(values.latency_ms.value);
    if (values.drop.checked) rule.drop = true;
    if (values.msisdn.value.trim()) rule.match = { msisdn: values.msisdn.value.trim() };
    return rule;
  }

  async function addFault(event) {
    event.preventDefault();
    const error = $("fault-error");
    error.textContent = "";
    try {
      const rule = await api("/_mock/faults", { method: "POST", json: faultFromForm(event.target) });
      notify(`Rule ${rule.id} added: the next matching ${rule.operation === "*" ? "call" : rule.operation} is affected.`);
      await loadFaults();
    } catch (failure) {
      if (!(failure instanceof Quiet)) error.textContent = `Refused: ${failure.message}`;
    }
  }

  async function removeFault(id) {
    try {
      await api(`/_mock/faults/${encodeURIComponent(id)}`, { method: "DELETE" });
      notify(`Rule ${id} removed.`);
    } catch (failure) {
      if (!(failure instanceof Quiet)) notify(`Could not remove ${id}: ${failure.message}`, true);
    }
    await loadFaults();
    // The focused button is gone with its row: keep the keyboard user in the same place.
    (document.querySelector("#faults-body button") || $("fault-operation")).focus();
  }

  // -- state: reset, export, import -----------------------------------------------------------

  async function resetState() {
    const question = world.id === BASE_WORLD
      ? "Reset the mock to its fixtures? Purchases, fault rules and the journal are cleared."
      : `Reset world ${world.id} to the state it began with? Its purchases, fault rules and journal are cleared; its credentials stay.`;
    if (!window.confirm(question)) return;
    const health = await api("/_mock/reset", { method: "POST" });
    resetJournalView();
    await refreshAll();
    notify(`${world.id === BASE_WORLD ? "State" : `World ${world.id}`} reset: ${count(health.accounts)} accounts, ${count(health.available)} numbers for sale, ${count(health.owned)} owned.`);
  }

  async function exportState() {
    const state = await api("/_mock/state");
    const blob = new Blob([JSON.stringify(state, null, 2) + "\n"], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const stamp = new Date().toISOString().replace(/[:]/g, "").replace(/\..*/, "");
    const which = world.id === BASE_WORLD ? "" : `-${world.id}`;
    const link = el("a", { href: url, download: `vonage-numbers-mock-state${which}-${stamp}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    notify(`Exported ${count(state.accounts.length)} accounts and ${count(state.owned.length)} owned numbers.`);
  }

  async function importState(event) {
    const input = event.target;
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const text = await file.text();
    if (parseJson(text) === null) {
      notify(`${file.name} is not a JSON document.`, true);
      return;
    }
    try {
      const health = await api("/_mock/state", { method: "PUT", body: text });
      await refreshAll();
      notify(`Imported ${file.name}: ${count(health.accounts)} accounts, ${count(health.available)} numbers for sale, ${count(health.owned)} owned.`);
    } catch (failure) {
      if (!(failure instanceof Quiet)) notify(`${file.name} was refused: ${failure.message}`, true);
    }
  }

  // -- inbound simulation -----------------------------------------------------------------------

  async function sendInbound(event, kind) {
    event.preventDefault();
    const form = event.target;
    const payload = { from: form.elements.from.value.trim(), to: form.elements.to.value };
    if (kind === "sms") payload.text = form.elements.text.value;
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    const what = kind === "sms" ? "SMS" : "Call";
    try {
      const result = await api(`/_mock/inbound/${kind}`, { method: "POST", json: payload });
      showDelivery(what, payload, result);
    } catch (failure) {
      if (!(failure instanceof Quiet)) showRefusal(what, payload, failure);
    } finally {
      submit.disabled = false;
    }
  }

  /** What the mock sent and how the receiver took it: an SMS report, or a call's two. */
  function showDelivery(what, payload, result) {
    const route = ["From → to", `${payload.from} → ${payload.to}`];
    const outcome = el("p", { class: `outcome ${result.delivered ? "ok" : "bad"}`,
      text: result.delivered ? `${what} delivered to the webhook` : `${what} not delivered` });
    if (what === "SMS") {
      fill($("delivery"), outcome, deliveryView(null, result, [route]));
      return;
    }
    const reports = [["Answer URL request", result.answer], ["Call event", result.event]]
      .filter(([, report]) => report);
    fill($("delivery"), outcome, facts([route, ["Call uuid", result.uuid]]),
      reports.map(([title, report]) => deliveryView(title, report, [])));
  }

  const known = (value) => value !== null && value !== undefined && value !== "";

  function facts(rows) {
    return el("dl", {}, rows.filter(([, value]) => known(value)).map(([name, value]) =>
      [el("dt", { text: name }), el("dd", { class: "mono", text: value })]));
  }

  function deliveryView(title, report, before) {
    const took = known(report.duration_ms) ? `${Number(report.duration_ms).toFixed(1)} ms` : null;
    return el("div", { class: "delivery" },
      title ? el("h4", { text: `${title}: ${report.delivered ? "delivered" : "not delivered"}` }) : null,
      facts([
        ...before,
        ["Webhook", `${report.method} ${report.url}`],
        ["Receiver answered", known(report.status) ? String(report.status) : "nothing"],
        ["Error", report.error],
        ["Took", took],
      ]),
      el("pre", { "aria-label": `${title || "Payload"} sent` }, JSON.stringify(report.payload, null, 2)),
    );
  }

  function showRefusal(what, payload, failure) {
    const reason = failure instanceof ApiError
      ? `${failure.status} ${failure.problem.title || ""}: ${failure.message}`
      : `the mock could not be reached (${failure.message})`;
    $("delivery").replaceChildren(
      el("p", { class: "outcome bad", text: `${what} refused` }),
      el("dl", {},
        el("dt", { text: "From → to" }), el("dd", { class: "mono", text: `${payload.from} → ${payload.to}` }),
        el("dt", { text: "Reason" }), el("dd", { text: reason })),
    );
  }

  // -- start, refresh, poll ---------------------------------------------------------------------

  async function refreshAll() {
    await Promise.all([loadSummary(), loadState(), loadFaults(), pollHealth()]);
    await showPage(search.params ? search.index : 1);
  }

  // Each start of polling is a new run; a round of an older run, still awaiting, stops there.
  let pollTimer = null;
  let pollRun = 0;

  function stopPolling() {
    clearTimeout(pollTimer);
    pollRun += 1;
  }

  function startPolling() {
    stopPolling();
    const run = pollRun;
    pollTimer = setTimeout(() => poll(run), POLL_MS);
  }

  async function poll(run) {
    try {
      if (!document.hidden) await tick();
    } catch (error) {
      if (error instanceof Quiet) return;  // the login form is up, or another world shown: stopped
      $("health").textContent = `Mock unreachable: ${error.message}`;
    }
    if (run === pollRun) pollTimer = setTimeout(() => poll(run), POLL_MS);
  }

  /** One round of live updates: the counts, then the journal, then whatever they say changed. */
  async function tick() {
    const countsChanged = await pollHealth();
    if (countsChanged && await journalWasCleared()) resetJournalView();
    const fresh = journal.paused ? [] : await pollJournal();
    const wrote = fresh.some((entry) => WRITES.has(entry.operation) && entry.status === 200);
    const faulted = fresh.some((entry) => entry.fault);
    const work = [];
    if (countsChanged || wrote) work.push(loadState());
    if (countsChanged) work.push(loadSummary().then(() => showPage(search.index)));
    if (faulted || countsChanged) work.push(loadFaults());
    await Promise.all(work);
  }

  /** The first data has arrived: the placeholders of the first paint go. */
  function loaded() {
    $("main").removeAttribute("aria-busy");
    for (const node of document.querySelectorAll(".loading")) node.hidden = true;
    $("journal-empty").hidden = $("journal-body").rows.length > 0;
  }

  async function open() {
    try {
      await Promise.all([loadSummary(), loadState(), loadFaults(), pollHealth(), pollJournal(), loadVersion()]);
    } catch (error) {
      if (error instanceof Quiet) return;  // the login form is up, or another world is opening
      $("health").textContent = `Mock unreachable (${error.message}); retrying…`;
      setTimeout(open, RETRY_MS);
      return;
    }
    $("login").hidden = true;
    $("app").hidden = false;
    $("toolbar").hidden = false;
    $("world-picker").hidden = false;
    loaded();
    $("forget-token").hidden = !token();
    if (!search.params) await runSearch(1);
    startPolling();
  }

  function wire() {
    wireTabs();
    $("login-form").addEventListener("submit", unlock);
    $("forget-token").addEventListener("click", forgetToken);
    $("search-form").addEventListener("submit", (event) => { event.preventDefault(); runSearch(1); });
    $("page-prev").addEventListener("click", () => showPage(search.index - 1));
    $("page-next").addEventListener("click", () => showPage(search.index + 1));
    $("refresh-accounts").addEventListener("click", () => loadState());
    $("journal-pause").addEventListener("click", togglePause);
    $("journal-clear").addEventListener("click", () => clearJournal().catch(report));
    $("fault-form").addEventListener("submit", addFault);
    $("reset-state").addEventListener("click", () => resetState().catch(report));
    $("export-state").addEventListener("click", () => exportState().catch(report));
    $("import-state").addEventListener("click", () => $("import-file").click());
    $("import-file").addEventListener("change", (event) => importState(event).catch(report));
    $("sms-form").addEventListener("submit", (event) => sendInbound(event, "sms"));
    $("call-form").addEventListener("submit", (event) => sendInbound(event, "call"));
    $("world-select").addEventListener("change", (event) => showWorld(event.target.value).catch(report));
    $("world-form").addEventListener("submit", makeWorld);
  }

  function report(error) {
    if (!(error instanceof Quiet)) notify(error.message, true);
  }

  wire();
  open();
})();
