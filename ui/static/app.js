// plowbox explorer: small progressive enhancements. The pages work without it; it adds
// the "/" shortcut, copy buttons, the live tail and the test-event buttons. Values from
// events are only ever set with textContent, never as HTML.
(function () {
  "use strict";

  // "/" focuses the query box, unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = document.getElementById("q");
    if (q) { e.preventDefault(); q.focus(); q.select(); }
  });

  // Copy buttons: data-copy names a hidden textarea holding the text.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "sr";
    document.body.appendChild(ta);
    ta.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(ta);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var src = document.getElementById(b.getAttribute("data-copy"));
      var out = document.querySelector(".copied");
      copyText(src ? src.value : "").then(function () {
        if (out) out.textContent = b.textContent + ": copied";
      }, function () {
        if (out) out.textContent = "Copy failed: select the text by hand";
      });
    });
  });

  // Live tail: rows from the query API's server-sent events (GET /plowbox/api/tail),
  // newest first, at most 500.
  var firstMessage = function (v) {
    if (!v || typeof v !== "object") return "";
    if (typeof v.message === "string") return v.message;
    if (typeof v.expectation === "string") return v.expectation;
    var keys = Object.keys(v);
    for (var i = 0; i < keys.length; i++) {
      var m = firstMessage(v[keys[i]]);
      if (m) return m;
    }
    return "";
  };
  var summarize = function (hit) {
    var ev = hit.event || {}, bad = hit.bad_row, parts = [];
    if (ev.se_action) parts.push((ev.se_category || "") + " / " + ev.se_action);
    else if (ev.page_url) parts.push(ev.page_url);
    if (bad) {
      var type = String(bad.schema || "").split("/")[1] || "bad row";
      var msg = firstMessage(bad.data && bad.data.failure);
      parts.push(type + (msg ? ": " + msg : ""));
    }
    return parts.join(" · ");
  };
  var live = document.getElementById("live");
  var stream = live && live.getAttribute("data-stream");
  if (stream && window.EventSource) {
    var rows = document.getElementById("live-rows");
    var state = document.getElementById("live-state");
    var toggle = document.getElementById("live-toggle");
    var paused = false, queued = [], seen = 0;
    var base = live.getAttribute("data-records");
    var cell = function (tr, text) {
      var td = document.createElement("td");
      td.textContent = text == null ? "" : String(text);
      tr.appendChild(td);
      return td;
    };
    var render = function (hit) {
      var ev = hit.event || {};
      var tr = document.createElement("tr");
      tr.className = "fresh k-" + (hit.kind || "");
      var td = document.createElement("td");
      var a = document.createElement("a");
      a.href = base + encodeURIComponent(String(hit.seq));
      a.textContent = hit.time ? String(hit.time).replace("T", " ").replace("Z", "") : "#" + hit.seq;
      td.appendChild(a);
      tr.appendChild(td);
      var badge = document.createElement("span");
      badge.className = "badge k-" + (hit.kind || "");
      badge.textContent = hit.kind === "bad" ? "bad row" : (hit.kind || "");
      cell(tr, "").appendChild(badge);
      cell(tr, ev.event_name || ev.event || "");
      cell(tr, ev.app_id || "");
      cell(tr, summarize(hit));
      rows.insertBefore(tr, rows.firstChild);
      while (rows.children.length > 500) rows.removeChild(rows.lastChild);
    };
    var say = function (s) { state.textContent = s; };
    var counted = function () { return "live: " + seen + " received"; };
    var es = new EventSource(stream);
    es.onopen = function () { say(paused ? "paused" : (seen ? counted() : "live: waiting for records…")); };
    es.addEventListener("error", function (e) {
      if (e.data) { say("The live tail stopped: " + e.data); es.close(); return; }
      say("disconnected, retrying…");
    });
    es.onmessage = function (e) {
      var hit;
      try { hit = JSON.parse(e.data); } catch (err) { return; }
      seen++;
      if (paused) { queued.push(hit); say("paused, " + queued.length + " new"); return; }
      render(hit);
      say(counted());
    };
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.setAttribute("aria-pressed", String(paused));
      toggle.textContent = paused ? "Resume" : "Pause";
      if (paused) { say("paused"); return; }
      queued.forEach(render);
      queued = [];
      say(counted());
    });
  } else if (live) {
    document.getElementById("live-state").textContent = "not running";
  }

  // Test events (Snowplow Mini's example buttons), sent as one TP2 POST each.
  var ex = document.getElementById("examples");
  if (ex) {
    var result = document.getElementById("example-result");
    var uuid = function () {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      return "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, function () { return (Math.random() * 16 | 0).toString(16); });
    };
    var common = function (e) {
      e.eid = uuid(); e.dtm = String(Date.now()); e.stm = e.dtm; e.tv = "js-plowbox-ui"; e.p = "web";
      e.aid = "plowbox-ui"; e.url = location.href; e.page = document.title; e.res = screen.width + "x" + screen.height;
      return e;
    };
    var examples = {
      page_view: function () { return [{ e: "pv" }]; },
      struct_play: function () { return [{ e: "se", se_ca: "Mixes", se_ac: "Play", se_la: "MRC/fabric-0503-mix", se_pr: "", se_va: "0.0" }]; },
      struct_add: function () { return [{ e: "se", se_ca: "Checkout", se_ac: "Add", se_la: "ASO01043", se_pr: "blue:xxl", se_va: "2.0" }]; },
      transaction: function () {
        return [
          { e: "tr", tr_id: "order-123", tr_af: "", tr_tt: "8000", tr_tx: "", tr_sh: "", tr_ci: "", tr_st: "", tr_co: "", tr_cu: "JPY" },
          { e: "ti", ti_id: "order-123", ti_sk: "1001", ti_nm: "Blue t-shirt", ti_ca: "clothing", ti_pr: "2000", ti_qu: "2", ti_cu: "JPY" },
          { e: "ti", ti_id: "order-123", ti_sk: "1002", ti_nm: "Red shoes", ti_ca: "shoes", ti_pr: "4000", ti_qu: "1", ti_cu: "JPY" }
        ];
      }
    };
    ex.querySelectorAll("button[data-example]").forEach(function (b) {
      b.addEventListener("click", function () {
        var events = examples[b.getAttribute("data-example")]().map(common);
        var body = JSON.stringify({ schema: "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", data: events });
        fetch(ex.getAttribute("data-endpoint"), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json; charset=UTF-8" }, body: body
        }).then(function (r) {
          result.textContent = r.ok ? "Sent: " + b.textContent + " (" + events.length + " event" + (events.length > 1 ? "s" : "") + ")"
            : "The collector answered " + r.status;
        }, function (err) { result.textContent = "Could not send: " + err.message; });
      });
    });
  }
})();
