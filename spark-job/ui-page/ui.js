// The job's streaming UI: renders the page data the job pushes after every batch (Server-Sent Events on
// /events). Values from data reach the page through textContent or plotly.js labels the server escaped,
// never through innerHTML.
"use strict";
(() => {
  const { byId, utc, cell, row, setLive } = window.TopUpPage;
  // Renders the newest payload only; payloads arriving during a render wait, older ones are skipped.
  const show = window.TopUpPage.latestOnly(render);
  const numbers = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });
  const plotConfig = { displaylogo: false, responsive: true, displayModeBar: false };
  const charts = { rates: "chart-rates", durations: "chart-durations", state: "chart-state", watermark: "chart-watermark", dropped: "chart-dropped" };

  async function render(page) {
    byId("query-name").textContent = page.query.name;
    byId("query-instance").textContent = page.query.instance;
    byId("query-id").textContent = page.query.id;
    const batch = page.latest;
    byId("kpi-batch").textContent = batch ? String(batch.batchId) : "—";
    byId("kpi-input-rate").textContent = batch ? numbers.format(batch.inputRowsPerSecond) : "—";
    byId("kpi-processed-rate").textContent = batch ? numbers.format(batch.processedRowsPerSecond) : "—";
    byId("kpi-duration").textContent = batch ? `${numbers.format(batch.durationMs)} ms` : "—";
    byId("kpi-watermark").textContent = !batch ? "—" : batch.watermark === "flushed" ? "flushed" : batch.watermark ? utc(batch.watermark) : "none yet";
    byId("kpi-state").textContent = batch ? numbers.format(batch.stateRows) : "—";
    const shown = page.shown;
    byId("kpi-late").textContent = numbers.format(shown.lateRowsDropped);
    byId("kpi-late").className = shown.lateRowsDropped > 0 ? "kpi-value bad" : "kpi-value";
    byId("kpi-dead").textContent = numbers.format(shown.deadLetters);
    byId("kpi-dead").className = shown.deadLetters > 0 ? "kpi-value bad" : "kpi-value";
    byId("shown-note").textContent = shown.batches === 0
      ? `No batch yet since ${utc(page.query.startedAt)}.`
      : `Last ${shown.batches} of at most ${page.capacity} batches: ${numbers.format(shown.inputRows)} input rows, ` +
        `${numbers.format(shown.lateRowsDropped)} late rows dropped, ${numbers.format(shown.deadLetters)} dead letters, ` +
        `${numbers.format(shown.invalidValues)} invalid values, ${numbers.format(shown.lostRecords)} records lost.`;
    for (const [name, element] of Object.entries(charts)) {
      const figure = page.figures[name];
      await Plotly.react(element, figure.data, figure.layout, plotConfig);
    }
    renderOffsets(batch);
    document.body.dataset.version = String(page.version);
    document.body.dataset.batches = String(shown.batches);
  }

  function renderOffsets(batch) {
    const body = byId("offsets-body");
    body.replaceChildren();
    byId("offsets-note").textContent = batch ? `· batch ${batch.batchId}` : "";
    if (!batch || batch.offsets.length === 0) {
      body.append(row([cell(batch ? "This instance runs no task." : "No batch yet.", "muted", 5)]));
      return;
    }
    for (const o of batch.offsets) {
      body.append(row([cell(o.source), cell(String(o.partition), "num"), cell(numbers.format(o.startOffset), "num"),
        cell(numbers.format(o.endOffset), "num"), cell(numbers.format(o.endOffset - o.startOffset), "num")]));
    }
  }

  const events = new EventSource("events");
  events.addEventListener("update", (event) => {
    setLive("live", "live");
    show(JSON.parse(event.data));
  });
  events.addEventListener("error", () => setLive("down", "job unreachable (stopped?), retrying…"));
})();
