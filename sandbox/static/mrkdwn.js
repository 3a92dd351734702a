// Slack mrkdwn → DOM nodes. Only text nodes carry text (never innerHTML), so nothing in a message can inject markup.
//
// Slack's rules, as far as Handoff uses them: "<…>" (a real angle bracket) is a link, a mention or a special
// command; "&lt;", "&gt;" and "&amp;" are the escaped characters and are shown literally; *bold*, _italics_,
// ~strike~, `code` and ```preformatted``` blocks; "> " starts a quote; newlines break lines.
"use strict";

const Mrkdwn = (() => {
  const OPEN = "\uE000";
  const CLOSE = "\uE001";
  const INLINE = [
    { re: /`([^`\n]+)`/, tag: "code", inner: false },
    { re: /(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/, tag: "strong", inner: true },
    { re: /(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/, tag: "em", inner: true },
    { re: /(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/, tag: "del", inner: true },
  ];

  function unescape(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function safeHref(url) {
    return /^(https?:|mailto:|tel:)/i.test(url) ? url : null;
  }

  // One "<…>" token → a DOM node.
  function special(inside, ctx) {
    const [target, label] = splitOnce(inside, "|");
    const shown = label === undefined ? undefined : unescape(label);
    if (target.startsWith("@")) {
      return mention("@" + (ctx.nameOf(target.slice(1)) || shown || target.slice(1)), "user");
    }
    if (target.startsWith("#")) {
      return mention("#" + (shown || ctx.channelName(target.slice(1)) || target.slice(1)), "channel");
    }
    if (target.startsWith("!subteam^")) return mention(shown || "@" + target.slice(9), "group");
    if (target.startsWith("!date^")) return document.createTextNode(shown || "");
    if (target.startsWith("!")) return mention("@" + target.slice(1).split("^")[0], "broadcast");
    const href = safeHref(unescape(target));
    const text = document.createTextNode(shown || unescape(target));
    if (!href) return text;
    const a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(text);
    return a;
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
  }

  function mention(text, kind) {
    const span = document.createElement("span");
    span.className = "mention " + kind;
    span.textContent = text;
    return span;
  }

  // Text with placeholders for the "<…>" tokens: put the text nodes and the token nodes into `parent`.
  function emitText(text, parent, tokens) {
    const parts = text.split(new RegExp(`${OPEN}(\\d+)${CLOSE}`));
    parts.forEach((part, i) => {
      if (i % 2 === 1) parent.appendChild(tokens[Number(part)].cloneNode(true));
      else if (part) parent.appendChild(document.createTextNode(part));
    });
  }

  function inline(text, parent, tokens) {
    let best = null;
    for (const rule of INLINE) {
      const m = rule.re.exec(text);
      if (m && (best === null || m.index < best.m.index)) best = { m, rule };
    }
    if (best === null) {
      emitText(text, parent, tokens);
      return;
    }
    const { m, rule } = best;
    const lead = rule.inner ? m[1] : "";
    const body = rule.inner ? m[2] : m[1];
    emitText(text.slice(0, m.index) + lead, parent, tokens);
    const node = document.createElement(rule.tag);
    if (rule.inner) inline(body, node, tokens);
    else emitText(body, node, tokens);
    parent.appendChild(node);
    inline(text.slice(m.index + m[0].length), parent, tokens);
  }

  function lines(text, parent, tokens) {
    const rows = text.split("\n");
    let quote = null;
    rows.forEach((row, i) => {
      // A quote starts with a real ">" (Slack escapes a typed one to "&gt;", which stays text).
      if (row.startsWith(">")) {
        if (quote === null) {
          quote = document.createElement("blockquote");
          parent.appendChild(quote);
        } else {
          quote.appendChild(document.createElement("br"));
        }
        inline(row.replace(/^> ?/, ""), quote, tokens);
        return;
      }
      quote = null;
      inline(row, parent, tokens);
      if (i < rows.length - 1 && !(rows[i + 1] || "").startsWith(">")) parent.appendChild(document.createElement("br"));
    });
  }

  // mrkdwn text → a fragment. ctx: {nameOf(userId), channelName(channelId)}
  function render(source, ctx) {
    const fragment = document.createDocumentFragment();
    const tokens = [];
    // Real angle brackets become placeholders before anything is unescaped, so an escaped "&lt;@U1&gt;" stays text.
    const marked = String(source || "").replace(/<([^<>\n]+)>/g, (_, inside) => {
      tokens.push(special(inside, ctx));
      return `${OPEN}${tokens.length - 1}${CLOSE}`;
    });
    const text = unescape(marked);
    const chunks = text.split("```");
    chunks.forEach((chunk, i) => {
      if (i % 2 === 1) {
        const pre = document.createElement("pre");
        emitText(chunk.replace(/^\n/, ""), pre, tokens);
        fragment.appendChild(pre);
      } else if (chunk) {
        lines(chunk, fragment, tokens);
      }
    });
    return fragment;
  }

  return { render };
})();
