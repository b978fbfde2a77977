import { expect, test } from "@playwright/test";
import { ready, signIn } from "./helpers";

test("an employee finds the article about e-signature keys in other word forms", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  await page.getByRole("link", { name: "База знаний" }).click();
  await ready(page, info);
  await page.getByLabel("Что вы ищете").fill("ключи электронной подписи");
  await page.getByRole("button", { name: "Найти" }).click();
  await expect(page).toHaveURL(/\/kb\?q=/);
  const first = page.locator("ol.hits li").first();
  await expect(first.getByRole("link")).toHaveText("Как получить или продлить ключ электронной подписи");
  await expect(first.locator("mark").first()).toBeVisible();
  await first.getByRole("link").click();
  await ready(page, info);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Как получить или продлить ключ электронной подписи");
  await expect(page.locator(".body-html strong").first()).toHaveText("за 2–3 недели");
  await page.goto("/kb?q=zzqqxx");
  await ready(page, info);
  await expect(page.locator(".empty")).toContainText("Ничего не нашлось");
});

test("an employee browses the knowledge base by section", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  await page.goto("/kb");
  await ready(page, info);
  const sections = page.getByRole("navigation", { name: "Разделы" });
  await sections.getByRole("link", { name: "Инструкции" }).click();
  await expect(page).toHaveURL(/\/kb\?section=instructions/);
  await ready(page, info);
  await expect(page.getByRole("heading", { level: 2, name: "Инструкции", exact: true })).toBeVisible();
  await expect(sections.getByRole("link", { name: "Инструкции" })).toHaveAttribute("aria-current", "page");
  await expect(page.locator("ul.articles li").first()).toBeVisible();
});
