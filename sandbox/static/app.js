// The sandbox page: Slack's client for the emulated workspace. It redraws from GET /sandbox/state whenever the
// server-sent events say the workspace changed, and sends what the person does to POST /sandbox/… endpoints.
"use strict";

(() => {
  const { el } = BlockKit;
  const $ = (id) => document.getElementById(id);
  const ui = {
    state: null,
    me: localStorage.getItem("sandbox.me"),
    place: JSON.parse(localStorage.getItem("sandbox.place") || "null"), // {kind: channel|dm|home, id?}
    thread: null, // ts of the open thread's parent
    modal: null, // {id, hash} of the modal drawn, so typing survives redraws
    seen: {}, // conversation key -> messages seen, for unread badges
  };

  // -- talking to the server ---------------------------------------------------------------------------------------

  async function send(path, body) {
    const response = await fetch(`/sandbox/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: ui.me, ...body }),
    });
    const answer = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
    if (!response.ok) {
      toast(answer.field ? `${answer.field}: ${answer.message}` : answer.message || `HTTP ${response.status}`);
      return null;
    }
    return answer;
  }

  let loading = false;
  let again = false;
  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const response = await fetch("/sandbox/state", { cache: "no-store" });
        ui.state = await response.json();
        draw();
      } while (again);
    } finally {
      loading = false;
    }
  }

  function listen() {
    const events = new EventSource("/sandbox/events");
    events.addEventListener("change", () => {
      $("live").classList.add("on");
      refresh();
    });
    events.addEventListener("error", () => $("live").classList.remove("on"));
  }

  let toastTimer = null;
  function toast(message) {
    const node = $("toast");
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (node.hidden = true), 6000);
  }

  // -- names -------------------------------------------------------------------------------------------------------

  function person(id) {
    return ui.state.people.find((p) => p.id === id);
  }
  function nameOf(id) {
    if (id === ui.state.bot.id) return ui.state.bot.name;
    const p = person(id);
    return p ? p.name : null;
  }
  function channelName(id) {
    const c = ui.state.channels.find((ch) => ch.id === id);
    return c ? c.name : null;
  }
  const dmOf = (userId) => "D" + userId.slice(1);

  function context(extra) {
    return {
      nameOf,
      channelName,
      people: ui.state.people,
      fileUrl: (id) => `/sandbox/files/${encodeURIComponent(id)}`,
      onAction: () => {},
      form: false,
      errors: {},
      ...extra,
    };
  }

  // -- drawing -----------------------------------------------------------------------------------------------------

  function draw() {
    const s = ui.state;
    if (!s.people.length) return;
    if (!person(ui.me)) ui.me = s.people[0].id;
    if (!ui.place || (ui.place.kind === "channel" && !s.channels.some((c) => c.id === ui.place.id))) {
      ui.place = { kind: "channel", id: s.channels[0].id };
    }
    drawBar();
    drawSidebar();
    drawPane();
    drawThread();
    drawModal();
    drawLog();
  }

  function drawBar() {
    const s = ui.state;
    const now = new Date(s.clock.now);
    const offset = s.clock.offset_seconds;
    $("clock-now").textContent =
      now.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: zone() }) +
      (offset ? ` (+${duration(offset)})` : "");
    $("clock-now").dateTime = s.clock.now;
    const status = $("slack-status");
    const queued = s.slack.failures.map((f) => `next ${f.method === "*" ? "call" : f.method} → ${f.status}`);
    status.textContent = s.slack.down ? "down" : queued.length ? queued.join(", ") : "up";
    status.className = `status ${s.slack.down ? "down" : queued.length ? "armed" : "up"}`;
    const toggle = $("slack-down");
    toggle.dataset.slack = s.slack.down ? "up" : "down";
    toggle.textContent = s.slack.down ? "Bring Slack back" : "Take Slack down";
    $("notice").hidden = !s.notice;
    $("notice").textContent = s.notice || "";
  }

  function zone() {
    return ui.state.clock.timezone;
  }

  function duration(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return [d && `${d} d`, h && `${h} h`, m && `${m} min`].filter(Boolean).join(" ") || `${seconds} s`;
  }

  function unread(key, count) {
    const here = placeKey() === key;
    if (here || ui.seen[key] === undefined) ui.seen[key] = count;
    const fresh = count - ui.seen[key];
    return fresh > 0 ? el("span", { class: "badge", "aria-label": `${fresh} new` }, String(fresh)) : null;
  }

  function placeKey(place = ui.place) {
    return place.kind === "channel" ? place.id : `${place.kind}:${ui.me}`;
  }

  function navItem(label, place, badge) {
    const current = placeKey(place) === placeKey();
    const button = el("button", { type: "button", class: current ? "current" : "", "aria-current": current && "page" }, label, badge);
    button.addEventListener("click", () => go(place));
    return el("li", {}, button);
  }

  function drawSidebar() {
    const s = ui.state;
    const me = $("me");
    me.replaceChildren(
      ...s.people.map((p) => el("option", { value: p.id, selected: p.id === ui.me }, `${p.name} (${p.roles.join(", ")})`)),
    );
    $("channel-list").replaceChildren(
      ...s.channels.map((c) => {
        const count = (s.messages[c.id] || []).filter((m) => !m.thread_ts || m.thread_ts === m.ts).length;
        return navItem(`# ${c.name}`, { kind: "channel", id: c.id }, unread(c.id, count));
      }),
    );
    const dmCount = (s.messages[dmOf(ui.me)] || []).length;
    $("dm-list").replaceChildren(navItem("Handoff", { kind: "dm" }, unread(`dm:${ui.me}`, dmCount)));
    $("app-list").replaceChildren(navItem("Handoff — Home", { kind: "home" }, null));
  }

  function go(place) {
    ui.place = place;
    ui.thread = null;
    localStorage.setItem("sandbox.place", JSON.stringify(place));
    if (place.kind === "home") send("home", {});
    draw();
    $("composer-input").focus();
  }

  function conversation() {
    return ui.place.kind === "channel" ? ui.place.id : dmOf(ui.me);
  }

  function drawPane() {
    const s = ui.state;
    const title = $("pane-title");
    const box = $("messages");
    const moved = ui.drawnPlace !== placeKey();
    ui.drawnPlace = placeKey();
    const atBottom = moved || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    if (ui.place.kind === "home") {
      title.textContent = "Handoff — Home";
      const home = s.homes[ui.me];
      box.replaceChildren(
        home
          ? el("div", { class: "home", "data-view-id": home.id }, BlockKit.render(home.blocks, context({ onAction: viewAction(home) })))
          : el("p", { class: "empty" }, "Opening Home…"),
      );
      $("composer").hidden = true;
      return;
    }
    $("composer").hidden = false;
    const channel = conversation();
    title.textContent = ui.place.kind === "channel" ? `# ${channelName(channel)}` : "Handoff (direct message)";
    $("composer-input").placeholder =
      ui.place.kind === "channel"
        ? `Message #${channelName(channel)}, or a command such as /funnel this month by source`
        : "Type a command such as /funnel this month (the app does not read messages)";
    const mine = (s.ephemerals[ui.me] || []).filter((m) => m.channel === channel && !m.thread_ts);
    const top = (s.messages[channel] || []).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const all = [...top, ...mine].sort((a, b) => Number(a.ts) - Number(b.ts));
    box.replaceChildren(...(all.length ? all.map((m) => message(m, channel)) : [el("p", { class: "empty" }, "Nothing here yet.")]));
    if (atBottom) {
      box.scrollTop = box.scrollHeight;
      // a chart that loads later makes the list taller: stay at the newest message
      box.querySelectorAll("img").forEach((img) => {
        if (!img.complete) img.addEventListener("load", () => (box.scrollTop = box.scrollHeight), { once: true });
      });
    }
  }

  function message(m, channel) {
    const author = m.bot ? ui.state.bot.name : nameOf(m.user) || m.user || "someone";
    const when = new Date(Number(m.ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: zone() });
    const meta = el(
      "div",
      { class: "meta" },
      el("strong", {}, author),
      m.bot ? el("span", { class: "app-tag" }, "APP") : null,
      el("time", {}, when),
      m.edited ? el("span", { class: "edited" }, "(edited)") : null,
    );
    const body = el("div", { class: "body" }, meta);
    const ctx = context({ onAction: messageAction(channel, m) });
    if (m.blocks && m.blocks.length) body.appendChild(BlockKit.render(m.blocks, ctx));
    else body.appendChild(el("div", { class: "plain" }, BlockKit.text({ type: "mrkdwn", text: m.text }, ctx)));
    for (const file of m.files) {
      body.appendChild(el("figure", { class: "file" }, el("img", { src: file.url, alt: file.title || file.name })));
    }
    if (m.ephemeral) body.appendChild(el("div", { class: "ephemeral-note" }, "Only visible to you"));
    if (m.reply_count) {
      const link = el("button", { type: "button", class: "replies" }, `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`);
      link.addEventListener("click", () => {
        ui.thread = m.ts;
        drawThread();
      });
      body.appendChild(link);
    }
    const avatar = el("div", { class: `avatar ${m.bot ? "bot" : ""}`, "aria-hidden": "true" }, author.slice(0, 1));
    return el("article", { class: `message ${m.ephemeral ? "ephemeral" : ""}`, "data-ts": m.ts }, avatar, body);
  }

  function drawThread() {
    const aside = $("thread");
    if (!ui.thread || ui.place.kind === "home") {
      aside.hidden = true;
      return;
    }
    const channel = conversation();
    const items = (ui.state.messages[channel] || []).filter((m) => m.ts === ui.thread || m.thread_ts === ui.thread);
    const mine = (ui.state.ephemerals[ui.me] || []).filter((m) => m.channel === channel && m.thread_ts === ui.thread);
    aside.hidden = false;
    $("thread-messages").replaceChildren(...[...items, ...mine].sort((a, b) => Number(a.ts) - Number(b.ts)).map((m) => message(m, channel)));
  }

  // -- what the person does ----------------------------------------------------------------------------------------

  function busy(node, promise) {
    if (node) node.classList.add("busy");
    if (node) node.disabled = true;
    promise.finally(() => {
      if (node) {
        node.classList.remove("busy");
        node.disabled = false;
      }
    });
    return promise;
  }

  function messageAction(channel, m) {
    return (block, element, selected, node) =>
      busy(node, send("click", { channel, ts: m.ts, block, action_id: element.action_id, selected }));
  }

  function viewAction(view) {
    return (block, element, selected, node) =>
      busy(node, send("click", { view_id: view.id, block, action_id: element.action_id, selected }));
  }

  function drawModal() {
    const layer = $("modal-layer");
    const stack = ui.state.modals[ui.me] || [];
    const view = stack[stack.length - 1];
    if (!view) {
      layer.hidden = true;
      layer.replaceChildren();
      ui.modal = null;
      return;
    }
    if (ui.modal && ui.modal.id === view.id && ui.modal.hash === view.hash && ui.modal.me === ui.me) return;
    ui.modal = { id: view.id, hash: view.hash, me: ui.me };
    layer.hidden = false;
    layer.replaceChildren(modal(view, {}, null));
  }

  function modal(view, errors, problem) {
    const title = BlockKit.plain(view.title);
    const form = el("form", { class: "modal", role: "dialog", "aria-modal": "true", "aria-label": title, "data-view-id": view.id });
    const close = () => send("close", { view_id: view.id });
    const closeButton = el("button", { type: "button", class: "x", "aria-label": "Close" }, "×");
    closeButton.addEventListener("click", close);
    form.appendChild(el("header", {}, el("h2", {}, title), closeButton));
    if (problem) form.appendChild(el("div", { class: "problem", role: "alert" }, problem));
    const body = BlockKit.render(view.blocks, context({ form: true, errors, onAction: viewAction(view) }));
    form.appendChild(el("div", { class: "modal-body" }, body));
    const cancel = el("button", { type: "button", class: "btn" }, BlockKit.plain(view.close) || "Cancel");
    cancel.addEventListener("click", close);
    const footer = el("footer", {}, cancel);
    if (view.submit) footer.appendChild(el("button", { type: "submit", class: "btn primary" }, BlockKit.plain(view.submit)));
    form.appendChild(footer);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = BlockKit.readForm(form, view.blocks);
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      const response = await fetch("/sandbox/submit", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: ui.me, view_id: view.id, values }),
      });
      const answer = await response.json().catch(() => ({}));
      submit.disabled = false;
      if (response.ok && Object.keys(answer.errors || {}).length === 0) return; // the modal closes with the next state
      const again = modal(view, answer.errors || {}, response.ok ? null : answer.message || `HTTP ${response.status}`);
      // keep what was typed: carry the values over into the redrawn form
      restore(again, form);
      form.replaceWith(again);
    });
    return form;
  }

  function restore(into, from) {
    const fields = from.querySelectorAll("input, textarea, select");
    const targets = into.querySelectorAll("input, textarea, select");
    fields.forEach((field, i) => {
      const target = targets[i];
      if (!target) return;
      if (field.type === "checkbox" || field.type === "radio") target.checked = field.checked;
      else if (field.multiple) [...field.options].forEach((o, j) => (target.options[j].selected = o.selected));
      else target.value = field.value;
    });
  }

  function drawLog() {
    const calls = ui.state.slack.calls;
    $("api-calls").replaceChildren(
      ...[...calls].reverse().map((c) => {
        const ok = c.status === 200 && !c.error;
        const outcome = c.status !== 200 ? `HTTP ${c.status}${c.error ? " " + c.error : ""}` : c.error || "ok";
        const at = new Date(c.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: zone() });
        return el("li", { class: ok ? "ok" : "failed" }, el("time", {}, at), el("code", {}, c.method), el("span", {}, outcome));
      }),
    );
  }

  // -- wiring ------------------------------------------------------------------------------------------------------

  function wire() {
    $("me").addEventListener("change", (event) => {
      ui.me = event.target.value;
      localStorage.setItem("sandbox.me", ui.me);
      ui.modal = null;
      ui.seen = {};
      if (ui.place && ui.place.kind === "home") send("home", {});
      draw();
    });
    document.querySelectorAll("[data-leads]").forEach((button) =>
      button.addEventListener("click", () => busy(button, send("leads", { count: Number(button.dataset.leads) }))),
    );
    document.querySelectorAll("[data-advance]").forEach((button) =>
      button.addEventListener("click", () => busy(button, send("clock", { seconds: Number(button.dataset.advance) }))),
    );
    document.querySelectorAll("[data-slack]").forEach((button) =>
      button.addEventListener("click", () => busy(button, send("slack", { mode: button.dataset.slack }))),
    );
    $("reset").addEventListener("click", () => {
      const sure = "Reset the sandbox? Every lead, message and announcement is deleted and the clock goes back to now.";
      if (window.confirm(sure)) busy($("reset"), send("reset", { confirm: true }));
    });
    $("log-toggle").addEventListener("click", () => {
      const log = $("api-log");
      log.hidden = !log.hidden;
      $("log-toggle").setAttribute("aria-expanded", String(!log.hidden));
    });
    $("thread-close").addEventListener("click", () => {
      ui.thread = null;
      drawThread();
    });
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("composer-input");
      const text = input.value.trim();
      if (!text) return;
      const channel = conversation();
      const sent = text.startsWith("/") ? await send("command", { channel, text }) : await send("say", { channel, text });
      if (sent) input.value = "";
    });
  }

  wire();
  refresh().then(() => {
    if (ui.place && ui.place.kind === "home") send("home", {});
  });
  listen();
})();
