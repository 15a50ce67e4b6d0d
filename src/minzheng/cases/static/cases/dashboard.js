/* Draws the case dashboard's two charts from the JSON the template embeds with json_script:
 * {states: {labels, values}, months: {labels, values}, titles: {states, months}}.
 */
(function () {
  "use strict";

  var PALETTE = ["#1d4e89", "#2f7d6d", "#c26a1b", "#b3261e", "#6b4fa1", "#52606d"];
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif';

  function base(labels, crowded) {
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT, color: "#1f2933" },
      grid: { left: 12, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category",
        data: labels,
        axisTick: { alignWithLabel: true },
        axisLabel: { interval: 0, rotate: crowded ? 35 : 0, fontSize: 12, color: "#3e4c59" },
        axisLine: { lineStyle: { color: "#9aa5b1" } }
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLabel: { fontSize: 12, color: "#52606d" },
        splitLine: { lineStyle: { color: "#e4e7eb" } }
      }
    };
  }

  function states(data, width) {
    var option = base(data.labels, width / Math.max(data.labels.length, 1) < 80);
    option.series = [{
      name: data.title, type: "bar", data: data.values, colorBy: "data", barMaxWidth: 36,
      label: { show: true, position: "top", fontSize: 12 }
    }];
    return option;
  }

  function months(data, width) {
    var option = base(data.labels, width / Math.max(data.labels.length, 1) < 56);
    option.tooltip = { trigger: "axis" };
    option.series = [{
      name: data.title, type: "line", data: data.values, smooth: false, symbolSize: 7,
      areaStyle: { opacity: 0.08 }, label: { show: data.labels.length <= 12, position: "top", fontSize: 12 }
    }];
    return option;
  }

  function draw(id, build, data) {
    var container = document.getElementById(id);
    if (!container) {
      return;
    }
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    var render = function () {
      chart.setOption(build(data, container.clientWidth));
      chart.resize();
    };
    render();
    if (typeof window.ResizeObserver === "function") {
      new window.ResizeObserver(render).observe(container);
    } else {
      window.addEventListener("resize", render);
    }
  }

  function init() {
    var source = document.getElementById("case-charts-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    draw("chart-states", states, { labels: data.states.labels, values: data.states.values, title: data.titles.states });
    draw("chart-months", months, { labels: data.months.labels, values: data.months.values, title: data.titles.months });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
