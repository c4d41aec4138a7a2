// TopUpSpark dashboard: renders the JSON the consumer publishes (live over Server-Sent Events, or
// once from the data inlined in an --html snapshot). Every value from data reaches the page through
// textContent or plotly.js labels the server escaped: never through innerHTML.
"use strict";
(() => {
  const { byId, utc, cell, row, item, setLive, renderConnection } = window.TopUpPage;
  // Renders the newest payload only; payloads arriving during a render wait, older ones are skipped.
  const show = window.TopUpPage.latestOnly(render);
  const INDIA_GEOJSON = "assets/india-states.geojson";
  const plotConfig = {
    displaylogo: false,
    responsive: true,
    topojsonURL: "assets/topojson/",
    modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
  };
  const numbers = new Intl.NumberFormat("en-IN");
  // An --html snapshot carries its data inline; the live page gets it from the server.
  const isSnapshot = byId("dashboard-data") !== null;

  // "history": the scale tops at the largest count of the windows shown (the server's figure); "window": at this window's.
  let scaleMode = "history";
  let lastPayload = null;
  let shownWindowVersion = -1;
  let shownColourScaleMax = -1;
  let shownDataVersion = -1;
  let lastMessageAt = null;

  async function render(payload) {
    lastPayload = payload;
    if (payload.windowVersion !== shownWindowVersion || payload.colourScaleMax !== shownColourScaleMax) {
      await Plotly.react("map", payload.map.data, payload.map.layout, plotConfig);
      await applyScale();
      renderWindow(payload.window);
      shownWindowVersion = payload.windowVersion;
      shownColourScaleMax = payload.colourScaleMax;
    }
    if (payload.dataVersion !== shownDataVersion) {
      await Plotly.react("history", payload.history.data, payload.history.layout, { ...plotConfig, displayModeBar: false });
      shownDataVersion = payload.dataVersion;
    }
    renderStatus(payload.status);
    // The streams page lives on the same server; a snapshot opened from a file has no server.
    byId("pages").hidden = isSnapshot || !payload.streamsServed;
    document.body.dataset.windowVersion = String(payload.windowVersion);
    document.body.dataset.version = String(payload.version);
  }

  // The counts' trace is the map's second one, when the window has counts.
  async function applyScale() {
    const map = byId("map");
    if (!lastPayload || map.data.length < 2) return;
    const zmax = scaleMode === "window" ? lastPayload.windowScaleMax : lastPayload.colourScaleMax;
    await Plotly.restyle(map, { zmax: [zmax], "colorbar.dtick": [zmax <= 10 ? 1 : null] }, [1]);
  }

  for (const [id, mode] of [["scale-history", "history"], ["scale-window", "window"]]) {
    byId(id).addEventListener("click", async () => {
      scaleMode = mode;
      byId("scale-history").setAttribute("aria-pressed", String(mode === "history"));
      byId("scale-window").setAttribute("aria-pressed", String(mode === "window"));
      await applyScale();
    });
  }

  function renderWindow(window) {
    byId("kpi-window").textContent = window ? window.end : "—";
    byId("kpi-total").textContent = window ? numbers.format(window.total) : "—";
    byId("kpi-states").textContent = window ? String(window.regions.length) : "—";
    byId("window-messages").textContent = window ? `· from ${window.messages} message${window.messages === 1 ? "" : "s"}` : "";
    const body = byId("counts-body");
    body.replaceChildren();
    if (!window || (window.regions.length === 0 && window.unmatched.length === 0)) {
      body.append(row([cell(window ? "No predicted top-ups in this window." : "No window yet.", "muted", 3)]));
    } else {
      const max = Math.max(1, ...window.regions.map((r) => r.count));
      for (const region of window.regions) {
        const name = cell(region.region, "state");
        if (!region.sameName) {
          const alias = document.createElement("span");
          alias.className = "alias";
          alias.textContent = region.dataNames;
          name.append(alias);
        }
        const share = cell("", "share");
        const bar = document.createElement("span");
        bar.className = "bar";
        bar.style.width = `${Math.max(2, (100 * region.count) / max)}%`;
        share.append(bar);
        const percent = document.createElement("span");
        percent.className = "pct";
        percent.textContent = window.total > 0 ? `${Math.round((100 * region.count) / window.total)}%` : "";
        share.append(percent);
        body.append(row([name, cell(numbers.format(region.count), "num"), share], "region"));
      }
    }
    const unmatched = window ? window.unmatched : [];
    byId("unmatched").hidden = unmatched.length === 0;
    const more = window && window.unmatchedHidden > 0 ? [item(`… and ${numbers.format(window.unmatchedHidden)} more (see the log)`)] : [];
    byId("unmatched-list").replaceChildren(...unmatched.map((u) => item(`${u.name} — ${numbers.format(u.count)}`)), ...more);
  }

  function renderStatus(status) {
    renderConnection(status, "newer windows only", numbers);
    lastMessageAt = status.lastMessageAt ? new Date(status.lastMessageAt) : null;
    renderLastMessage();
    byId("st-messages").textContent = `${numbers.format(status.messagesAccepted)} accepted · ${numbers.format(status.messagesRejected)} rejected`;
    byId("st-messages").className = status.messagesRejected > 0 ? "warn" : "";
    byId("st-late").textContent = numbers.format(status.lateWindows);
    byId("st-repeated").textContent = `${numbers.format(status.repeatedPartsIgnored)} ignored`;
    byId("st-loss").textContent = status.lostMessages > 0
      ? `${numbers.format(status.lostMessages)} messages lost`
      : "none";
    byId("st-loss").className = status.lostMessages > 0 ? "bad" : "ok";
    renderJob(status.job);
    byId("rejections").hidden = status.recentRejections.length === 0;
    byId("rejections-list").replaceChildren(...status.recentRejections.map((r) => item(`${utc(r.at)} ${r.source}: ${r.reason}`)));
    byId("gaps").hidden = status.recentGaps.length === 0;
    byId("gaps-list").replaceChildren(...status.recentGaps.map((g) =>
      item(`${utc(g.at)} ${g.topic}[${g.partition}]: offsets ${g.expectedOffset}–${g.actualOffset - 1} (${numbers.format(g.missing)} messages)`)));
  }

  // What the job did not turn into predictions: "none" only when its instances said so, batch by batch.
  function renderJob(job) {
    const none = job.batches === 0;
    byId("job-batches").textContent = none ? "none reported yet"
      : `${numbers.format(job.batches)} from ${job.instances} instance${job.instances === 1 ? "" : "s"}, last ${utc(job.lastBatchAt)}`;
    byId("job-rows").textContent = none ? "—" : numbers.format(job.inputRows);
    for (const [id, count] of [["job-late", job.lateRowsDropped], ["job-dead", job.deadLetters], ["job-invalid", job.invalidValues], ["job-lost", job.lostRecords]]) {
      byId(id).textContent = none ? "—" : count > 0 ? numbers.format(count) : "none";
      byId(id).className = none ? "" : count > 0 ? (id === "job-lost" ? "bad" : "warn") : "ok";
    }
  }

  function renderLastMessage() {
    const target = byId("st-last");
    if (!lastMessageAt) {
      target.textContent = "none yet";
      return;
    }
    if (isSnapshot) {
      target.textContent = utc(lastMessageAt.toISOString());
      return;
    }
    const seconds = Math.max(0, Math.round((Date.now() - lastMessageAt.getTime()) / 1000));
    target.textContent = `${utc(lastMessageAt.toISOString())} (${seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`} ago)`;
  }

  function fromJsonBlock(id) {
    return JSON.parse(byId(id).textContent);
  }

  if (isSnapshot) {
    // A self-contained --html snapshot: plotly.js reads the geography from its asset cache, not the network.
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson.world_110m = fromJsonBlock("world-topojson");
    window.PlotlyGeoAssets[INDIA_GEOJSON] = fromJsonBlock("india-geojson");
    const payload = fromJsonBlock("dashboard-data");
    setLive("snapshot", `snapshot of ${utc(payload.generatedAt)}`);
    byId("mode-note").textContent = "Static snapshot written by topup-consumer --html; third-party notices are in this file's source";
    byId("notices-link").hidden = true;
    show(payload);
  } else {
    byId("mode-note").textContent = "Live: updates arrive as the consumer reads them";
    const events = new EventSource("events");
    events.addEventListener("update", (event) => {
      const payload = JSON.parse(event.data);
      setLive(payload.status.connected ? "live" : "stale", payload.status.connected ? "live" : "Kafka not connected");
      show(payload);
    });
    events.addEventListener("error", () => setLive("down", "dashboard server unreachable, retrying…"));
    setInterval(renderLastMessage, 1000);
  }
})();
