/* The course website's script (docs/_static/aecourse.js), loaded before require.js on every page.
 * 1. Offline widgets: the widget renderer (html-manager) looks its icon fonts up under the module id
 *    "@jupyter-widgets/html-manager", relative to the page; map the id to the local copy before
 *    require.js starts, so the fonts load from _static/assets/ (ipywidgets #3658).
 * 2. ipywidgets typesets widget labels with MathJax 2's MathJax.Hub.Queue; the site runs MathJax 3.
 * 3. The latent explorers of notebooks 04 and 08: two sliders over the lattice picture stored when
 *    the notebook ran show the decoded digit of the lattice point nearest to their values.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var assets = new URL("assets/", here).href;
    window.require = {paths: {"@jupyter-widgets/html-manager": assets + "html-manager"}};
  }

  function mathjax2Shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || typeof mj.typesetPromise !== "function") return;
    mj.Hub = {
      Queue: function () {
        for (var i = 0; i < arguments.length; i++) {
          var job = arguments[i];
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) mj.typesetPromise([job[2]]);
          else if (typeof job === "function") job();
        }
      },
    };
  }

  function fmt(x) { return (Math.abs(x) < 5e-3 ? 0 : x).toFixed(2); }

  function explorer(figure) {
    var steps = +figure.dataset.steps, tile = +figure.dataset.tile, scale = +figure.dataset.scale;
    var span = {z1: figure.dataset.z1.split(" ").map(Number), z2: figure.dataset.z2.split(" ").map(Number)};
    var sprite = figure.querySelector("img.aecourse-explorer-sprite");
    var view = figure.querySelector(".aecourse-explorer-view");
    var controls = document.createElement("div");
    controls.className = "aecourse-explorer-controls";
    var inputs = {}, outputs = {};
    ["z1", "z2"].forEach(function (axis, k) {
      var id = "aecourse-explorer-" + axis + "-" + explorer.count;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = k === 0 ? "z\u2081" : "z\u2082";
      var input = document.createElement("input");
      input.type = "range"; input.id = id; input.min = 0; input.max = steps - 1; input.step = 1;
      input.value = Math.floor((steps - 1) / 2);
      var out = document.createElement("output");
      out.htmlFor = id;
      var row = document.createElement("div");
      row.append(label, input, out);
      controls.append(row);
      inputs[axis] = input; outputs[axis] = out;
    });
    explorer.count += 1;
    var size = tile * scale;
    view.style.width = view.style.height = size + "px";
    sprite.style.width = sprite.style.height = steps * size + "px";
    sprite.dataset.lattice = sprite.alt;
    function value(axis) {
      var lo = span[axis][0], hi = span[axis][1];
      return lo + (hi - lo) * (+inputs[axis].value) / (steps - 1);
    }
    function draw() {
      var col = +inputs.z1.value, row = steps - 1 - (+inputs.z2.value);  // row 0: the highest z2
      sprite.style.transform = "translate(" + (-col * size) + "px, " + (-row * size) + "px)";
      var z1 = fmt(value("z1")), z2 = fmt(value("z2"));
      outputs.z1.textContent = z1; outputs.z2.textContent = z2;
      sprite.alt = "The digit the decoder draws from the code z1 = " + z1 + ", z2 = " + z2;
      figure.dataset.tileIndex = row * steps + col;
    }
    inputs.z1.addEventListener("input", draw);
    inputs.z2.addEventListener("input", draw);
    figure.insertBefore(controls, view);
    figure.classList.add("is-live");
    draw();
  }
  explorer.count = 0;

  document.addEventListener("DOMContentLoaded", function () {
    mathjax2Shim();
    document.querySelectorAll("figure.aecourse-explorer").forEach(explorer);
  });
})();
