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
    // A real time axis: months without data are null (a gap, never joined across), and a long empty
    // stretch is one shaded category labelled with its first and last month.
    var series = keys.map(function (k) {
      return { name: names[k], type: k === "issued" ? "line" : "bar", data: trend[k], connectNulls: false };
    });
    if (trend.gaps && trend.gaps.length) {
      series[0].markArea = {
        silent: true,
        itemStyle: { color: "rgba(72, 101, 129, 0.08)" },
        label: { show: true, position: "inside", color: "#486581" },
        data: trend.gaps.map(function (i) {
          return [{ name: english ? "no data" : "无数据", xAxis: trend.labels[i] }, { xAxis: trend.labels[i] }];
        })
      };
    }
    draw(trendBox, trend.labels, series, false);
    trendBox.setAttribute("data-labels", JSON.stringify(trend.labels));
  }
  var provinces = data("province-data");
  var provinceBox = document.querySelector("[data-chart='provinces']");
  if (provinces && provinceBox) {
    draw(provinceBox, provinces.names, ["registered", "passed", "issued"].map(function (k) {
      return { name: names[k], type: "bar", data: provinces[k] };
    }), true);
  }
})();
