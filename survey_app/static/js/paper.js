// Paper entry, progressive enhancement: when a box holds a complete code (a rating digit that no
// longer code starts with, o/n, an option number), the cursor moves on to the next box, so a
// clerk types the digits of a sheet without Tab. Without this script, Tab and Enter do the same.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.sheet-form");
  if (!form) return;
  const boxes = [...form.querySelectorAll("input[type=text]")];
  boxes.forEach((box, index) => {
    const codes = (box.dataset.codes || "").split(" ").filter(Boolean);
    if (!codes.length) return;
    box.addEventListener("input", () => {
      const value = box.value.trim().toLowerCase();
      const complete = codes.includes(value) && !codes.some((code) => code !== value && code.startsWith(value));
      if (complete && index + 1 < boxes.length) {
        boxes[index + 1].focus();
        boxes[index + 1].select();
      }
    });
  });
});
