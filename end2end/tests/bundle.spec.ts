import { expect, test } from "@playwright/test";
import { jsOn, ready, signIn } from "./helpers";

// Each page's code is a chunk of its own (`cargo leptos build --split`): the
// first load brings the shell and the page asked for, another page's code
// comes when the reader goes there, without reloading the page.
test("a page's code comes with the page, another page's when the reader goes there", async ({ page }, info) => {
  test.skip(!jsOn(info), "the bundle is what JavaScript loads");
  const wasm: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".wasm")) wasm.push(path.replace("/pkg/", ""));
  });
  await signIn(page, info, "sokolova");
  const first = [...wasm];
  const loads = () => wasm.filter((f) => f === "servicedesk.wasm").length;
  const loaded = loads();
  expect(first).toContain("servicedesk.wasm");
  expect(first.some((f) => f.startsWith("split___home_route_view"))).toBe(true);
  expect(first.some((f) => f.startsWith("split___knowledge_base_route_view"))).toBe(false);
  expect(first.some((f) => f.startsWith("split___reports_route_view"))).toBe(false);

  // The header's link: routed in the page, its chunk fetched then.
  await page.getByRole("link", { name: "База знаний" }).first().click();
  await expect(page).toHaveURL(/\/kb$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("База знаний");
  await expect
    .poll(() => wasm.some((f) => f.startsWith("split___knowledge_base_route_view")))
    .toBe(true);
  expect(loads()).toBe(loaded);
  await ready(page, info);
});
