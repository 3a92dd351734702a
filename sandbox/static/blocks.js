// Block Kit → DOM, the way Slack's client draws it (closely enough to judge a layout), and a modal's form back to
// values. Text only ever goes into text nodes (see mrkdwn.js).
//
// ctx: {nameOf, channelName, people: [{id, name}], fileUrl(fileId), onAction(blockIndex, element, selected, node),
//       form: true for a modal (input blocks become controls), errors: {blockId: message}}
"use strict";

const BlockKit = (() => {
  const TEXT_INPUTS = new Set(["plain_text_input", "email_text_input", "url_text_input", "number_input"]);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function plain(obj) {
    return obj && typeof obj.text === "string" ? obj.text : "";
  }

  // A text object (plain_text or mrkdwn) → a span.
  function text(obj, ctx, cls = "text") {
    const span = el("span", { class: cls });
    if (!obj) return span;
    if (obj.type === "mrkdwn") span.appendChild(Mrkdwn.render(obj.text, ctx));
    else span.textContent = plain(obj);
    return span;
  }

  function blockId(block, index) {
    return block.block_id || `b${index}`;
  }

  function imageUrl(obj, ctx) {
    if (obj.image_url) return /^https?:/i.test(obj.image_url) ? obj.image_url : null;
    if (obj.slack_file && obj.slack_file.id) return ctx.fileUrl(obj.slack_file.id);
    if (obj.slack_file && obj.slack_file.url) return ctx.fileUrl(obj.slack_file.url.split("/").slice(-2, -1)[0]);
    return null;
  }

  function options(element) {
    const groups = element.option_groups || [];
    return [...(element.options || []), ...groups.flatMap((g) => g.options || [])];
  }

  function selectOf(element, choices, { placeholder, initial, onChange, multiple } = {}) {
    const select = el("select", {
      class: "select",
      "data-action-id": element.action_id,
      "aria-label": plain(element.placeholder) || element.action_id,
      multiple: multiple || undefined,
    });
    if (!multiple) select.appendChild(el("option", { value: "" }, placeholder || plain(element.placeholder) || "Select…"));
    for (const [value, label] of choices) {
      select.appendChild(el("option", { value, selected: initial && initial.includes(value) }, label));
    }
    if (onChange) select.addEventListener("change", () => select.value && onChange(select.value, select));
    return select;
  }

  // An interactive element outside an input block (actions block, section accessory).
  function element(element, blockIndex, ctx) {
    const act = (selected, node) => ctx.onAction(blockIndex, element, selected, node);
    switch (element.type) {
      case "button": {
        const button = el(
          "button",
          { type: "button", class: `btn ${element.style || ""}`.trim(), "data-action-id": element.action_id },
          plain(element.text),
        );
        button.addEventListener("click", () => {
          if (element.url && /^https?:/i.test(element.url)) window.open(element.url, "_blank", "noopener");
          act(null, button);
        });
        return button;
      }
      case "overflow": {
        const choices = options(element).map((o) => [o.value, plain(o.text)]);
        const select = selectOf(element, choices, { placeholder: "⋯", onChange: act });
        select.classList.add("overflow");
        select.setAttribute("aria-label", "More actions");
        return select;
      }
      case "static_select":
      case "external_select":
        return selectOf(element, options(element).map((o) => [o.value, plain(o.text)]), { onChange: act });
      case "users_select":
        return selectOf(element, ctx.people.map((p) => [p.id, p.name]), { onChange: act });
      case "image": {
        const src = imageUrl(element, ctx);
        return src ? el("img", { class: "accessory-image", src, alt: element.alt_text || "" }) : el("span");
      }
      default:
        return el("span", { class: "unsupported" }, `[${element.type}]`);
    }
  }

  function inputControl(block, index, ctx) {
    const element = block.element || {};
    const name = blockId(block, index);
    const kind = element.type;
    if (TEXT_INPUTS.has(kind)) {
      const attrs = {
        name,
        "data-action-id": element.action_id,
        "aria-label": plain(block.label),
        placeholder: plain(element.placeholder),
      };
      if (element.multiline) return el("textarea", { ...attrs, rows: 3 }, element.initial_value || "");
      const type = kind === "number_input" ? "number" : kind === "email_text_input" ? "email" : "text";
      return el("input", { ...attrs, type, value: element.initial_value || "" });
    }
    if (kind === "static_select" || kind === "external_select") {
      const initial = element.initial_option ? [element.initial_option.value] : [];
      const select = selectOf(element, options(element).map((o) => [o.value, plain(o.text)]), { initial });
      select.name = name;
      select.setAttribute("aria-label", plain(block.label));
      return select;
    }
    if (kind === "datepicker") {
      return el("input", {
        name,
        type: "date",
        "data-action-id": element.action_id,
        "aria-label": plain(block.label),
        value: element.initial_date || "",
      });
    }
    if (kind === "users_select") {
      const select = selectOf(element, ctx.people.map((p) => [p.id, p.name]), {
        initial: element.initial_user ? [element.initial_user] : [],
      });
      select.name = name;
      select.setAttribute("aria-label", plain(block.label));
      return select;
    }
    const many = { checkboxes: "checkbox", multi_static_select: "checkbox", radio_buttons: "radio" }[kind];
    if (many) {
      const initial = new Set((element.initial_options || []).map((o) => o.value));
      if (element.initial_option) initial.add(element.initial_option.value);
      const list = el("div", { class: "choices", role: "group", "aria-label": plain(block.label) });
      for (const option of options(element)) {
        const box = el("input", { type: many, name, value: option.value, checked: initial.has(option.value) });
        list.appendChild(el("label", { class: "choice" }, box, text(option.text, ctx)));
      }
      return list;
    }
    if (kind === "multi_users_select") {
      const initial = new Set(element.initial_users || []);
      const list = el("div", { class: "choices", role: "group", "aria-label": plain(block.label) });
      for (const person of ctx.people) {
        const box = el("input", { type: "checkbox", name, value: person.id, checked: initial.has(person.id) });
        list.appendChild(el("label", { class: "choice" }, box, person.name));
      }
      return list;
    }
    return el("span", { class: "unsupported" }, `[${kind}: not emulated]`);
  }

  function block(block, index, ctx) {
    const id = blockId(block, index);
    const node = el("div", { class: `block block-${block.type}`, "data-block-id": id, "data-block-index": index });
    switch (block.type) {
      case "header":
        node.appendChild(el("h3", {}, plain(block.text)));
        break;
      case "section": {
        const main = el("div", { class: "section-main" });
        if (block.text) main.appendChild(el("div", { class: "section-text" }, text(block.text, ctx)));
        if (block.fields) {
          const fields = el("div", { class: "fields" });
          for (const field of block.fields) fields.appendChild(el("div", { class: "field" }, text(field, ctx)));
          main.appendChild(fields);
        }
        node.appendChild(main);
        if (block.accessory) node.appendChild(el("div", { class: "accessory" }, element(block.accessory, index, ctx)));
        break;
      }
      case "context":
        for (const item of block.elements || []) {
          if (item.type === "image") {
            const src = imageUrl(item, ctx);
            if (src) node.appendChild(el("img", { class: "context-image", src, alt: item.alt_text || "" }));
          } else {
            node.appendChild(text(item, ctx, "context-text"));
          }
        }
        break;
      case "divider":
        node.appendChild(el("hr"));
        break;
      case "image": {
        const src = imageUrl(block, ctx);
        const figure = el("figure", {});
        if (block.title) figure.appendChild(el("figcaption", {}, plain(block.title)));
        figure.appendChild(src ? el("img", { src, alt: block.alt_text || "" }) : el("span", {}, block.alt_text || ""));
        node.appendChild(figure);
        break;
      }
      case "actions":
        for (const item of block.elements || []) node.appendChild(element(item, index, ctx));
        break;
      case "input": {
        const label = el("label", { class: "input-label" }, plain(block.label));
        if (block.optional) label.appendChild(el("span", { class: "optional" }, " (optional)"));
        node.appendChild(label);
        node.appendChild(ctx.form ? inputControl(block, index, ctx) : el("span", { class: "unsupported" }, "[input]"));
        if (block.hint) node.appendChild(el("div", { class: "hint" }, plain(block.hint)));
        const error = ctx.errors && ctx.errors[id];
        if (error) node.appendChild(el("div", { class: "error", role: "alert" }, error));
        break;
      }
      case "markdown":
        node.appendChild(Mrkdwn.render(block.text || "", ctx));
        break;
      case "rich_text":
        node.appendChild(el("div", {}, richText(block)));
        break;
      default:
        node.appendChild(el("span", { class: "unsupported" }, `[${block.type} block]`));
    }
    return node;
  }

  function richText(block) {
    const parts = [];
    const walk = (node) => {
      if (!node || typeof node !== "object") return;
      if (typeof node.text === "string") parts.push(node.text);
      (node.elements || []).forEach(walk);
    };
    walk(block);
    return parts.join("");
  }

  function render(blocks, ctx) {
    const container = el("div", { class: "blocks" });
    (blocks || []).forEach((b, i) => container.appendChild(block(b, i, ctx)));
    return container;
  }

  // What the person entered in a rendered modal: {blockId: text | value | [values]}.
  function readForm(container, blocks) {
    const values = {};
    (blocks || []).forEach((b, i) => {
      if (b.type !== "input") return;
      const id = blockId(b, i);
      const node = container.querySelector(`[data-block-index="${i}"]`);
      if (!node) return;
      const kind = (b.element || {}).type;
      if (["checkboxes", "multi_static_select", "multi_users_select"].includes(kind)) {
        values[id] = [...node.querySelectorAll("input:checked")].map((box) => box.value);
      } else if (kind === "radio_buttons") {
        const chosen = node.querySelector("input:checked");
        values[id] = chosen ? chosen.value : null;
      } else {
        const control = node.querySelector("input, textarea, select");
        values[id] = control ? control.value || null : null;
      }
    });
    return values;
  }

  return { render, readForm, text, el, plain };
})();
