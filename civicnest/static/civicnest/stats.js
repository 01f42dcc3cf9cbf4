// Dashboard charts (ECharts, served locally). Data comes from the page's json_script block.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("stats-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  // Tooltips are HTML: every text from the data (region names, labels) is escaped before it goes in.
  const esc = (text) => echarts.format.encodeHTML(String(text));

  data.breakdowns.forEach((b) => {
    const el = document.querySelector(`[data-chart="${b.id}"]`);
    if (!el) return;
    el.style.height = `${Math.max(190, b.items.length * 20 + 40)}px`;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 4, right: 28, top: 8, bottom: 4, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitNumber: 3 },  // few ticks: the charts are narrow
      yAxis: { type: "category", inverse: true, data: b.items.map((i) => i[0]), axisLabel: { fontSize: 11, width: 96, overflow: "truncate" } },
      series: [{ type: "bar", data: b.items.map((i) => i[1]), itemStyle: { color: "#0d6efd" }, label: { show: true, position: "right", fontSize: 10 } }],
    });
    charts.push(chart);
  });

  const mapEl = document.querySelector('[data-chart="map"]');
  if (mapEl && data.map.items.length) {
    const chart = echarts.init(mapEl, null, { renderer: "svg" });
    const values = data.map.items.map((i) => i.value);
    const visualMap = {
      min: Math.min(...values), max: Math.max(...values, 1), calculable: true, orient: "horizontal",
      left: "center", bottom: 0, itemHeight: 120, inRange: { color: ["#e7f1ff", "#0d6efd", "#052c65"] },
    };
    const drill = (code) => {
      const params = new URLSearchParams(window.location.search);
      params.set("region", code);
      window.location.search = params.toString();
    };
    if (data.map.geojson) {
      fetch(data.map.geojson).then((r) => r.json()).then((geo) => {
        echarts.registerMap("jurisdiction", geo);
        chart.setOption({
          tooltip: { trigger: "item" }, visualMap,
          series: [{ type: "map", map: "jurisdiction", nameProperty: "code",
            data: data.map.items.map((i) => ({ name: i.code, value: i.value, label: i.name })) }],
        });
      });
      chart.on("click", (p) => p.name && drill(p.name));
    } else {
      // A tile map: one square per child region, in code order.
      const n = data.map.items.length;
      const cols = Math.ceil(Math.sqrt(n * 1.6));
      const rows = Math.ceil(n / cols);
      chart.setOption({
        tooltip: { formatter: (p) => `${esc(data.map.items[p.dataIndex].name)}<br>${esc(data.map.label)}：${esc(p.value[2])}` },
        grid: { left: 0, right: 0, top: 0, bottom: 48 },
        xAxis: { type: "category", data: [...Array(cols).keys()], show: false },
        yAxis: { type: "category", data: [...Array(rows).keys()], show: false, inverse: true },
        visualMap,
        series: [{
          type: "heatmap",
          data: data.map.items.map((item, idx) => [idx % cols, Math.floor(idx / cols), item.value]),
          label: { show: true, fontSize: 10, formatter: (p) => `${data.map.items[p.dataIndex].name}\n${p.value[2]}` },
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
        }],
      });
      chart.on("click", (p) => drill(data.map.items[p.dataIndex].code));
    }
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
});
