// What TopUpSpark's pages (the dashboard's map and /streams, the job's streaming UI) share: element lookup, DOM builders that only ever set
// textContent (never innerHTML), UTC times, the live badge, and rendering only the newest payload.
"use strict";
window.TopUpPage = (() => {
  const byId = (id) => document.getElementById(id);

  // Wraps an async render: payloads arriving during a render wait, and only the newest of them is rendered.
  function latestOnly(render) {
    let latest = null;
    let rendering = false;
    return async (payload) => {
      latest = payload;
      if (rendering) return;
      rendering = true;
      try {
        while (latest) {
          const next = latest;
          latest = null;
          await render(next);
        }
      } finally {
        rendering = false;
      }
    };
  }

  function utc(iso) {
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  }

  function cell(text, className, span) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    if (span) td.colSpan = span;
    return td;
  }

  function row(cells, className) {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    tr.append(...cells);
    return tr;
  }

  function item(text) {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }

  function setLive(state, text) {
    byId("live").dataset.state = state;
    byId("live-text").textContent = text;
  }

  // The consumer card's first rows, from the status fields every page's reader reports (ReaderConnection).
  function renderConnection(status, sinceNote, numbers) {
    const connected = byId("st-connected");
    connected.textContent = status.connected ? "connected" : "not connected";
    connected.className = status.connected ? "ok" : "bad";
    byId("st-topic").textContent = status.topic;
    byId("st-bootstrap").textContent = status.bootstrapServers;
    byId("st-group").textContent = status.groupId;
    byId("st-since").textContent = `${utc(status.startedAt)} (${sinceNote})`;
    byId("st-partitions").textContent = `${status.positionedPartitions} of ${status.assignedPartitions} positioned`;
    byId("st-lag").textContent = status.lag === null ? "unknown" : `${numbers.format(status.lag)} message${status.lag === 1 ? "" : "s"}`;
  }

  return { byId, latestOnly, utc, cell, row, item, setLive, renderConnection };
})();
