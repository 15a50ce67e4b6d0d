/* Draws the home-page bar chart from the JSON that the template embeds with json_script.
 * Data: {mode: "regions"|"categories", title, categories: [...], series: [{name, data}], links: [...]}
 * In "regions" mode each category is a child region and clicking its bars opens that region's page.
 */
(function () {
  "use strict";

  var PALETTE = ["#1d4e89", "#2f7d6d", "#c26a1b", "#b3261e", "#6b4fa1", "#52606d"];
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif';

  function option(data, width) {
    // Rotate the axis labels when they would not fit side by side (many regions, or a phone screen).
    var crowded = width / Math.max(data.categories.length, 1) < 96;
    var byCategory = data.mode === "categories";
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT, color: "#1f2933" },
      grid: { left: 12, right: 16, top: byCategory ? 24 : 56, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: byCategory ? { show: false } : { top: 0, type: "scroll", textStyle: { fontSize: 13 } },
      xAxis: {
        type: "category",
        data: data.categories,
        axisTick: { alignWithLabel: true },
        axisLabel: { interval: 0, rotate: crowded ? 35 : 0, fontSize: crowded ? 12 : 13, color: "#3e4c59" },
        axisLine: { lineStyle: { color: "#9aa5b1" } }
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLabel: { fontSize: 12, color: "#52606d" },
        splitLine: { lineStyle: { color: "#e4e7eb" } }
      },
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: "bar",
          data: series.data,
          colorBy: byCategory ? "data" : "series",
          barMaxWidth: 36,
          cursor: data.links.length ? "pointer" : "default",
          label: { show: byCategory || data.categories.length <= 4, position: "top", fontSize: 12, color: "#1f2933" },
          emphasis: { focus: "series" }
        };
      })
    };
  }

  function draw() {
    var container = document.getElementById("region-chart");
    var source = document.getElementById("region-chart-data");
    if (!container || !source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption(option(data, container.clientWidth));
    if (data.links.length) {
      chart.on("click", function (params) {
        var url = data.links[params.dataIndex];
        if (url) {
          window.location.assign(url);
        }
      });
    }
    var resize = function () {
      chart.setOption(option(data, container.clientWidth));
      chart.resize();
    };
    if (typeof window.ResizeObserver === "function") {
      new window.ResizeObserver(resize).observe(container);
    } else {
      window.addEventListener("resize", resize);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
