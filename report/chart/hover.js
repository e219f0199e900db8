(function () {
  "use strict";
  // Hovering a chart: a box with the values under the pointer. On charts
  // with data-hover, every named series' value at the pointer's x, and a
  // crosshair on every chart of the same group (the time charts share their
  // x axis, so it marks one moment on all of them). On anything with
  // data-tip (a step, an event, a point, a row), that text.
  var NS = "http://www.w3.org/2000/svg";
  var tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.hidden = true;
  document.body.appendChild(tip);

  var charts = [];
  document.querySelectorAll("svg.chart[data-hover]").forEach(function (svg) {
    var m;
    try {
      m = JSON.parse(svg.getAttribute("data-hover"));
    } catch (e) {
      return;
    }
    charts.push({ svg: svg, m: m, group: svg.getAttribute("data-group") || "",
      line: svg.querySelector(".xhair"), dots: svg.querySelector(".hover-dots") });
  });

  function pos(a, v) {
    var t = a.log ? Math.log(v / a.a) / Math.log(a.b / a.a) : (v - a.a) / (a.b - a.a);
    return a.o + a.l * t;
  }
  function value(a, px) {
    var t = (px - a.o) / a.l;
    return a.log ? a.a * Math.pow(a.b / a.a, t) : a.a + t * (a.b - a.a);
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function grouped(v) {
    return Math.round(v).toLocaleString("en-US");
  }
  function fmt(u, v) {
    var a = Math.abs(v), sign = v < 0 ? "-" : "", s;
    switch (u) {
      case "s":
        if (a < 120) return v.toFixed(1) + " s";
        s = Math.round(a);
        if (a < 7200) return sign + Math.floor(s / 60) + ":" + pad(s % 60) + " (" + grouped(v) + " s)";
        return sign + Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      case "rate":
        return (a >= 100 ? grouped(v) : v.toFixed(1)) + "/s";
      case "count":
        return a >= 100 ? grouped(v) : String(+v.toFixed(1));
      case "ms":
        return (a < 10 ? v.toFixed(3) : a < 100 ? v.toFixed(2) : a < 10000 ? v.toFixed(1) : grouped(v)) + " ms";
      case "pct":
        return (a < 10 ? v.toFixed(2) : v.toFixed(1)) + " %";
      case "pctl":
        return "p" + String(+(100 * (1 - Math.pow(10, -v))).toFixed(Math.max(0, Math.floor(v) + 1)));
    }
    return String(+v.toPrecision(4));
  }
  // read returns the point of series s that the pointer at x reads, or null.
  function read(s, x) {
    var i;
    if (s.g) {
      for (i = 0; i < s.g.length; i++) {
        if (s.g[i][0] <= x && x <= s.g[i][1]) return [x, s.g[i][2]];
      }
      return null;
    }
    var p = s.p;
    if (!p || !p.length) return null;
    var lo = 0, hi = p.length - 1;
    while (hi - lo > 1) {
      i = (lo + hi) >> 1;
      if (p[i][0] <= x) lo = i; else hi = i;
    }
    var best = Math.abs(p[lo][0] - x) <= Math.abs(p[hi][0] - x) ? p[lo] : p[hi];
    return s.r && Math.abs(best[0] - x) > s.r ? null : best;
  }
  // mark draws the crosshair and the read points of chart c at x (null
  // clears them) and returns what was read.
  function mark(c, x) {
    var out = [];
    c.dots.textContent = "";
    if (x === null || x < Math.min(c.m.x.a, c.m.x.b) || x > Math.max(c.m.x.a, c.m.x.b)) {
      c.line.setAttribute("visibility", "hidden");
      return out;
    }
    var px = pos(c.m.x, x), top = Math.min(c.m.y.o, c.m.y.o + c.m.y.l), bottom = Math.max(c.m.y.o, c.m.y.o + c.m.y.l);
    c.line.setAttribute("x1", px);
    c.line.setAttribute("x2", px);
    c.line.setAttribute("visibility", "visible");
    c.m.s.forEach(function (s) {
      var v = read(s, x);
      if (!v) return;
      out.push([s, v]);
      var py = pos(c.m.y, v[1]);
      if (!(py >= top - 1 && py <= bottom + 1)) return;
      var dot = document.createElementNS(NS, "circle");
      dot.setAttribute("cx", pos(c.m.x, v[0]));
      dot.setAttribute("cy", py);
      dot.setAttribute("r", 4);
      dot.setAttribute("fill", s.c);
      dot.setAttribute("stroke", "#fff");
      dot.setAttribute("stroke-width", 1.5);
      c.dots.appendChild(dot);
    });
    return out;
  }
  function place(e) {
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = e.clientX + 16, top = e.clientY + 16;
    if (left + w > window.innerWidth - 4) left = Math.max(4, e.clientX - w - 16);
    if (top + h > window.innerHeight - 4) top = Math.max(4, e.clientY - h - 16);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function line(cls, text) {
    var d = document.createElement("div");
    d.className = cls;
    d.textContent = text;
    return d;
  }
  function showValues(e, head, rows) {
    tip.textContent = "";
    tip.appendChild(line("head", head));
    rows.forEach(function (r) {
      var row = document.createElement("div");
      row.className = "row";
      var sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = r[0].c;
      row.appendChild(sw);
      row.appendChild(line("n", r[0].n));
      row.appendChild(line("v", fmt(r[0].u, r[1][1])));
      tip.appendChild(row);
    });
    tip.hidden = false;
    place(e);
  }
  function showText(e, text) {
    tip.textContent = "";
    text.split("\n").forEach(function (t, i) {
      tip.appendChild(line(i === 0 ? "head" : "text", t));
    });
    tip.hidden = false;
    place(e);
  }
  function clear(c) {
    charts.forEach(function (o) {
      if (o === c || (c.group && o.group === c.group)) mark(o, null);
    });
  }
  function tipped(e) {
    return e.target && e.target.closest ? e.target.closest("[data-tip]") : null;
  }
  charts.forEach(function (c) {
    c.svg.addEventListener("mousemove", function (e) {
      if (tipped(e)) return;
      var m = c.svg.getScreenCTM();
      if (!m) return;
      var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
      var inside = p.x >= c.m.x.o && p.x <= c.m.x.o + c.m.x.l &&
        p.y >= Math.min(c.m.y.o, c.m.y.o + c.m.y.l) && p.y <= Math.max(c.m.y.o, c.m.y.o + c.m.y.l);
      if (!inside) {
        clear(c);
        tip.hidden = true;
        return;
      }
      var x = value(c.m.x, p.x), rows = [];
      charts.forEach(function (o) {
        if (o === c) rows = mark(o, x);
        else if (c.group && o.group === c.group) mark(o, x);
      });
      if (rows.length) showValues(e, fmt(c.m.x.u, x), rows);
      else tip.hidden = true;
    });
    c.svg.addEventListener("mouseleave", function () {
      clear(c);
      tip.hidden = true;
    });
  });
  document.addEventListener("mouseover", function (e) {
    var t = tipped(e);
    if (t) showText(e, t.getAttribute("data-tip"));
  });
  document.addEventListener("mousemove", function (e) {
    if (tipped(e)) place(e);
  });
  document.addEventListener("mouseout", function (e) {
    if (tipped(e)) tip.hidden = true;
  });
})();
