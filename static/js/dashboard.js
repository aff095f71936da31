// Dashboard charts (Apache ECharts, served from our own static files). The figures come from
// <script type="application/json"> blocks the page renders; the same figures are in the tables.
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }
  var lang = document.documentElement.lang || "zh-hans";
  var english = lang.indexOf("en") === 0;
  var names = english
    ? { registered: "Registered", assessed: "Assessed", passed: "Passed", issued: "Certificates issued" }
    : { registered: "报名", assessed: "实考", passed: "合格", issued: "发证" };
  var colours = ["#9fb3c8", "#486581", "#2f8132", "#a4161a"];
  var keys = ["registered", "assessed", "passed", "issued"];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(element, categories, series, horizontal) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    var category = { type: "category", data: categories };
    var value = { type: "value" };
    chart.setOption({
      color: colours,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 90 : 60, right: 20, top: 36, bottom: 30 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
    element.setAttribute("data-chart-ready", "1");
  }

  var trend = data("trend-data");
  var trendBox = document.querySelector("[data-chart='trend']");
  if (trend && trendBox) {
    draw(trendBox, trend.labels, keys.map(function (k) {
      return { name: names[k], type: k === "issued" ? "line" : "bar", data: trend[k] };
    }), false);
  }
  var provinces = data("province-data");
  var provinceBox = document.querySelector("[data-chart='provinces']");
  if (provinces && provinceBox) {
    draw(provinceBox, provinces.names, ["registered", "passed", "issued"].map(function (k) {
      return { name: names[k], type: "bar", data: provinces[k] };
    }), true);
  }
})();
