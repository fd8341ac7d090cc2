// The dashboards' charts and the heat map. Every figure comes from the report services (the
// JSON embedded in the page); this file only draws it.
(function () {
  "use strict";
  const holder = document.getElementById("dashboard-data");
  if (!holder) { return; }
  const data = JSON.parse(holder.textContent);
  const reports = data.reports;
  const labels = data.labels;
  const number = (value) => (value === null || value === undefined ? null : Number(value));
  const none = (value) => (value === null || value === undefined ? labels.none : String(value));
  const charts = [];

  function bars(categories, series) {
    return {
      tooltip: {trigger: "axis"},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 8, bottom: 8, top: 36, containLabel: true},
      xAxis: {type: "category", data: categories, axisLabel: {interval: 0, rotate: categories.length > 4 ? 30 : 0}},
      yAxis: {type: "value"},
      series: series.map((s) => Object.assign({type: "bar"}, s)),
    };
  }

  // per currency: the months of the open pipeline (weighted) and of the won deals
  function forecastOption(report) {
    const months = [...new Set(report.pipeline.map((r) => r.month).concat(report.won.map((r) => r.month)))].sort();
    const currencies = [...new Set(report.pipeline.map((r) => r.currency).concat(report.won.map((r) => r.currency)))];
    const series = [];
    currencies.forEach((currency) => {
      const pick = (rows, key) => months.map((m) => {
        const row = rows.find((r) => r.month === m && r.currency === currency);
        return row ? number(row[key]) : null;
      });
      series.push({name: labels.weighted + " " + currency, data: pick(report.pipeline, "weighted")});
      series.push({name: labels.won_amount + " " + currency, data: pick(report.won, "amount")});
    });
    return bars(months, series);
  }

  const options = {
    funnel: (r) => ({
      tooltip: {trigger: "item"},
      series: [{type: "funnel", left: "5%", width: "90%", sort: "none", minSize: "8%",
                label: {show: true, position: "inside", formatter: "{b}: {c}"},
                data: r.steps.map((s) => ({name: labels["step." + s.step], value: s.count}))}],
    }),
    forecast: forecastOption,
    leaderboard: (r) => bars(r.people.map((p) => none(p.person)), [
      {name: labels.deals_won, data: r.people.map((p) => p.deals_won)},
      {name: labels.new_customers, data: r.people.map((p) => p.new_customers)},
      {name: labels.leads_handled, data: r.people.map((p) => p.leads_handled)},
    ]),
    attribution: (r) => bars(r.groups.map((g) => none(g[r.by])), [
      {name: labels.leads, data: r.groups.map((g) => g.leads)},
      {name: labels.won, data: r.groups.map((g) => g.won)},
    ]),
    cycle_times: (r) => bars(r.stages.map((s) => labels.stages[s.stage] || s.stage), [
      {name: labels.median_hours, data: r.stages.map((s) => number(s.median_hours))},
      {name: labels.p90_hours, data: r.stages.map((s) => number(s.p90_hours))},
    ]),
  };

  document.querySelectorAll("[data-chart]").forEach((box) => {
    const name = box.dataset.chart;
    const chart = window.echarts.init(box, null, {renderer: "svg"});
    chart.setOption(options[name](reports[name]));
    charts.push(chart);
    box.dataset.rendered = "true";
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

  // the heat map: each element's median wait as a note and a colour level (from the server)
  function heatMap(box) {
    window.crm.diagram(box, ({canvas, overlays, known, note}) => {
      JSON.parse(box.dataset.heat || "[]").forEach((node) => {
        if (!known(node.element_id)) { return; }
        canvas.addMarker(node.element_id, "heat-" + node.level);
        if (!node.text) { return; }
        overlays.add(node.element_id, {position: {top: -22, left: 0},
                                       html: note("heat-note", node.text)});
      });
    });
  }
  document.querySelectorAll('[data-testid="heatmap"]').forEach(heatMap);
})();
