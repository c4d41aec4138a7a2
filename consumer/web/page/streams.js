// TopUpSpark streams page: renders the record counts the consumer publishes over Server-Sent Events.
// Every value from data reaches the page through textContent or plotly.js labels the server escaped.
"use strict";
(() => {
  const { byId, utc, cell, row, item, setLive, renderConnection } = window.TopUpPage;
  // Renders the newest payload only; payloads arriving during a render wait, older ones are skipped.
  const show = window.TopUpPage.latestOnly(render);
  const plotConfig = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"] };
  const numbers = new Intl.NumberFormat("en-IN");

  async function render(payload) {
    await Plotly.react("per-bucket", payload.perBucket.data, payload.perBucket.layout, plotConfig);
    await Plotly.react("in-window", payload.inWindow.data, payload.inWindow.layout, plotConfig);
    const options = payload.options;
    byId("map-link").hidden = !payload.mapServed;
    byId("kpi-bucket").textContent = options.bucket;
    byId("kpi-window-length").textContent = options.window;
    // A topic's own line counts all its records; its group lines split the same records again.
    const topics = payload.series.filter((s) => s.isTopic);
    byId("kpi-window").textContent = numbers.format(topics.reduce((sum, s) => sum + s.lastWindow, 0));
    byId("kpi-late").textContent = numbers.format(topics.reduce((sum, s) => sum + s.lateInWindow, 0));
    byId("streams-note").textContent = options.groupBy ? `· per topic and per ${options.groupBy}` : "· per topic";
    const body = byId("series-body");
    body.replaceChildren(...payload.series.map((s) => {
      const name = cell(s.name, "state");
      name.style.borderLeft = `4px solid ${s.colour}`;
      const late = cell(numbers.format(s.lateInWindow), s.lateInWindow > 0 ? "num warn" : "num");
      return row([name, cell(numbers.format(s.lastBucket), "num"), cell(numbers.format(s.lastWindow), "num"), late, cell(numbers.format(s.total), "num")]);
    }));
    renderStatus(payload.status);
    document.body.dataset.version = String(payload.version);
  }

  function renderStatus(status) {
    renderConnection(status, "newer records only", numbers);
    byId("st-messages").textContent = `${numbers.format(status.messages)} read · ${numbers.format(status.unreadable)} unreadable`;
    byId("st-messages").className = status.unreadable > 0 ? "warn" : "";
    byId("st-loss").textContent = status.lostMessages > 0 ? `${numbers.format(status.lostMessages)} messages lost` : "none";
    byId("st-loss").className = status.lostMessages > 0 ? "bad" : "ok";
    byId("rejections").hidden = status.recentUnreadable.length === 0;
    byId("rejections-list").replaceChildren(...status.recentUnreadable.map((r) => item(`${utc(r.at)} ${r.source}: ${r.reason}`)));
  }

  const events = new EventSource("streams/events");
  events.addEventListener("update", (event) => {
    const payload = JSON.parse(event.data);
    setLive(payload.status.connected ? "live" : "stale", payload.status.connected ? "live" : "Kafka not connected");
    show(payload);
  });
  events.addEventListener("error", () => setLive("down", "dashboard server unreachable, retrying…"));
})();
