// One question per page: rendering with native radios, checkboxes and inputs (labelled,
// grouped in a fieldset with a legend), reading the answer back, and the message for an
// answer the rules refuse. The rules themselves are the server's, read by rules.js from the
// definition (the server checks everything again).
import { el } from "./dom.js";
import { NA, checkAnswer } from "./rules.js";

let uid = 0;
function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

// A face from frowning (t = 0) to smiling (t = 1); decorative: the label carries the meaning.
export function face(t) {
  const root = svg("svg", { viewBox: "0 0 64 64", class: "face", "aria-hidden": "true", focusable: "false" });
  const hue = Math.round(t * 120);  // red to green, always under a dark outline
  root.append(svg("circle", { cx: 32, cy: 32, r: 29, fill: `hsl(${hue} 70% 88%)`, stroke: "#1b1b1b", "stroke-width": 3 }));
  root.append(svg("circle", { cx: 22, cy: 25, r: 4, fill: "#1b1b1b" }));
  root.append(svg("circle", { cx: 42, cy: 25, r: 4, fill: "#1b1b1b" }));
  const curve = (t - 0.5) * 24;  // mouth control point below (smile) or above (frown)
  root.append(svg("path", {
    d: `M18 ${44 - curve / 4} Q32 ${44 + curve} 46 ${44 - curve / 4}`,
    fill: "none", stroke: "#1b1b1b", "stroke-width": 3.5, "stroke-linecap": "round",
  }));
  return root;
}

function choiceTile({ type, name, value, checked, labelNodes, extraClass, describedBy }) {
  const id = nextId("opt");
  const input = el("input", {
    type, name, id, value: String(value), checked: checked || null, class: "tile-input",
    "aria-describedby": describedBy || null,
  });
  return el("div", { class: `tile ${extraClass || ""}` },
    input,
    el("label", { for: id, class: "tile-label" }, ...labelNodes));
}

function numberText(value, lang) {
  return new Intl.NumberFormat(lang === "en" ? "en-CA" : "fr-CA").format(value);
}

function ratingLabel(question, value, lang) {
  const labels = (question.scale && question.scale.labels) || {};
  const label = labels[String(value)];
  return label ? (label[lang] || label.fr) : "";
}

// Build the fieldset (or labelled field) for one question. Returns {node, focusTarget, read}.
export function renderQuestion(question, answer, { lang, t, localized, errorId, legendId }) {
  // The opt-out in the question's own words where it has them ("Prefer not to answer").
  const naText = question.na_label ? localized(question.na_label) : t("not_applicable");
  const text = localized(question.text);
  const requiredMark = question.required ? ` (${t("required")})` : "";
  const help = question.help ? el("p", { class: "q-help", id: nextId("help") }, localized(question.help)) : null;
  const described = [help && help.id, errorId].filter(Boolean).join(" ") || null;
  const name = `q-${question.id}`;

  if (["rating", "yes_no", "choice", "multi_choice"].includes(question.type)) {
    const legend = el("legend", { class: "q-legend" },
      el("h1", { id: legendId, class: "q-title", tabindex: "-1" }, text, requiredMark && el("span", { class: "q-required" }, requiredMark)));
    const tiles = [];
    let layout = "tiles-list";
    if (question.type === "rating") {
      layout = "tiles-scale";
      const { min, max } = question.scale;
      for (let v = min; v <= max; v += 1) {
        const label = ratingLabel(question, v, lang);
        tiles.push(choiceTile({
          type: "radio", name, value: v, checked: answer === v, extraClass: "tile-face",
          labelNodes: [face(max === min ? 1 : (v - min) / (max - min)),
            el("span", { class: "tile-value" }, numberText(v, lang)),
            label ? el("span", { class: "tile-text" }, label) : null],
        }));
      }
    } else if (question.type === "yes_no") {
      layout = "tiles-row";
      tiles.push(choiceTile({ type: "radio", name, value: "yes", checked: answer === true, labelNodes: [t("yes")] }));
      tiles.push(choiceTile({ type: "radio", name, value: "no", checked: answer === false, labelNodes: [t("no")] }));
    } else {
      const multi = question.type === "multi_choice";
      for (const option of question.options) {
        const checked = multi ? Array.isArray(answer) && answer.includes(option.value) : answer === option.value;
        tiles.push(choiceTile({
          type: multi ? "checkbox" : "radio", name, value: option.value, checked,
          labelNodes: [localized(option.label)],
        }));
      }
    }
    if (question.allow_na && question.type !== "multi_choice") {
      tiles.push(choiceTile({
        type: "radio", name, value: NA, checked: answer === NA, extraClass: "tile-na",
        labelNodes: [naText],
      }));
    }
    const hint = question.type === "multi_choice" ? el("p", { class: "q-hint", id: nextId("hint") }, t("choose_all")) : null;
    const describedAll = [hint && hint.id, described].filter(Boolean).join(" ") || null;
    // Up to 7 faces share one row; longer scales (0 to 10) wrap.
    const points = question.type === "rating" ? question.scale.max - question.scale.min + 1 : 0;
    const grid = points && points <= 7
      ? el("div", { class: `tiles ${layout} tiles-one-row`, style: `--points: ${points}` }, tiles)
      : el("div", { class: `tiles ${layout}` }, tiles);
    const fieldset = el("fieldset", { class: `question q-${question.type}`, "aria-describedby": describedAll },
      legend, help, hint, grid);
    const read = () => {
      const checked = [...fieldset.querySelectorAll("input:checked")].map((i) => i.value);
      if (question.type === "multi_choice") {
        const order = question.options.map((o) => o.value);
        return checked.length ? order.filter((v) => checked.includes(v)) : undefined;
      }
      if (!checked.length) return undefined;
      const raw = checked[0];
      if (raw === NA) return NA;
      if (question.type === "rating") return Number.parseInt(raw, 10);
      if (question.type === "yes_no") return raw === "yes";
      return raw;
    };
    return { node: fieldset, focusTarget: legend.querySelector("h1"), read };
  }

  // number and text: one labelled field, and a "don't know" checkbox where allowed.
  const inputId = nextId("field");
  const heading = el("h1", { class: "q-title", id: legendId, tabindex: "-1" },
    el("label", { for: inputId }, text, requiredMark && el("span", { class: "q-required" }, requiredMark)));
  let field;
  let limits = null;
  if (question.type === "number") {
    if (question.min !== undefined && question.max !== undefined && question.min !== null && question.max !== null) {
      limits = el("p", { class: "q-hint", id: nextId("hint") }, t("number_between", { min: numberText(question.min, lang), max: numberText(question.max, lang) }));
    }
    field = el("input", {
      id: inputId, type: "text", inputmode: "decimal", autocomplete: "off", class: "field-number",
      value: typeof answer === "number" ? String(answer).replace(".", lang === "fr" ? "," : ".") : "",
      "aria-describedby": [limits && limits.id, described].filter(Boolean).join(" ") || null,
    });
  } else {
    const maxLength = question.max_length;  // the server writes it on every text question
    limits = el("p", { class: "q-hint", id: nextId("hint") }, t("characters_max", { count: numberText(maxLength, lang) }));
    field = el("textarea", {
      id: inputId, rows: "5", maxlength: String(maxLength), class: "field-text", autocomplete: "off",
      "aria-describedby": [limits.id, described].filter(Boolean).join(" "),
    });
    field.value = typeof answer === "string" && answer !== NA ? answer : "";
  }
  let naBox = null;
  if (question.allow_na && question.type === "number") {
    naBox = choiceTile({ type: "checkbox", name: `${name}-na`, value: NA, checked: answer === NA, extraClass: "tile-na", labelNodes: [naText] });
    const checkbox = naBox.querySelector("input");
    const sync = () => { field.disabled = checkbox.checked; };
    checkbox.addEventListener("change", sync);
    sync();
  }
  const node = el("div", { class: `question q-${question.type}` }, heading, help, limits, field, naBox);
  const read = () => {
    if (naBox && naBox.querySelector("input").checked) return NA;
    const raw = field.value.trim();
    if (!raw) return undefined;
    if (question.type === "text") return raw;
    const normalized = raw.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    const number = Number(normalized);
    return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(normalized) && Number.isFinite(number) ? number : { invalid: raw };
  };
  return { node, focusTarget: field, read };
}

// The message for an answer the rules refuse (rules.js, the server's rules), or null.
export function problem(question, value, t, lang) {
  const code = checkAnswer(question, value);
  if (code === null) return null;
  if (question.type === "number" && value !== undefined) {
    const bounded = question.min !== undefined && question.min !== null
      && question.max !== undefined && question.max !== null;
    return bounded
      ? t("number_between_error", { min: numberText(question.min, lang), max: numberText(question.max, lang) })
      : t("number_error");
  }
  if (code === "too_long") return t("too_long", { count: numberText(question.max_length, lang) });
  return t("please_answer");
}
