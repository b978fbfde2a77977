import { expect, Page, test, TestInfo } from "@playwright/test";
import { readFileSync } from "node:fs";
import { jsOn, ready, signIn } from "./helpers";

test.describe.serial("a unit head's workload and report", () => {
  const subject = () => `Ключ для отчёта (${test.info().project.name})`;

  test("an employee files an IT request", async ({ page }, info) => {
    await signIn(page, info, "ivanova");
    await page.goto("/requests/new?kind=esign_key");
    await ready(page, info);
    await page.getByLabel("Тема").fill(subject());
    await page.getByLabel("Для какой системы нужен ключ").selectOption("sed");
    await page.getByLabel("Что нужно сделать").selectOption("new");
    await page.getByLabel("Владелец ключа (фамилия, имя, отчество)").fill("Иванова Анна Сергеевна");
    await page.getByRole("button", { name: "Отправить обращение" }).click();
    await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
  });

  test("kuznetsova sees her unit's workload, indicators and charts", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.getByRole("link", { name: "Нагрузка и отчёты" }).click();
    await ready(page, info);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Нагрузка и отчёты");
    const open = Number(await page.locator("[data-tile=open] .value").textContent());
    expect(open).toBeGreaterThanOrEqual(1);
    const registered = Number(await page.locator("tr[data-ind=registered] td").first().textContent());
    expect(registered).toBeGreaterThanOrEqual(1);
    await expect(page.locator("tr[data-ind=fcr] td").last()).toHaveText("≥ 80%");
    // Charts are server-drawn SVG with a name for screen readers, and their data as a table.
    await expect(page.getByRole("img", { name: "Обращения по неделям и видам" })).toBeVisible();
    await expect(page.getByRole("img", { name: "Доля ответов в срок по неделям" })).toBeVisible();
    // Everyone known to work the unit is listed, the head too.
    await expect(page.locator("table.executors tr[data-login=kuznetsova]")).toHaveCount(1);
    // The "open" tile leads to the queue narrowed to it.
    await page.locator("[data-tile=open] a").click();
    await expect(page).toHaveURL(/\/queue\?status=open&unit=IT&focus=open/);
    await ready(page, info);
    await expect(page.getByText(subject())).toBeVisible();
  });

  test("the period picker moves to a week and back", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto("/reports");
    await ready(page, info);
    await page.getByLabel("Период", { exact: true }).selectOption("week");
    await page.getByRole("button", { name: "Показать" }).click();
    await expect(page).toHaveURL(/period=week/);
    await ready(page, info);
    const range = await page.locator(".period-nav strong").textContent();
    await page.getByRole("link", { name: "← Предыдущий период" }).click();
    await ready(page, info);
    await expect(page.locator(".period-nav strong")).not.toHaveText(range ?? "");
    await expect(page.locator("table.indicators caption")).toContainText("Сравнение с периодом");
  });

  test("reversed dates keep the form, the dates and say what is wrong", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto("/reports?unit=IT&period=custom&from=2026-03-10&to=2026-03-01");
    await ready(page, info);
    await expect(page.getByRole("alert")).toContainText("Конец периода раньше его начала.");
    await expect(page.getByLabel("С даты")).toHaveValue("2026-03-10");
    await expect(page.getByLabel("По дату (для своих дат)")).toHaveValue("2026-03-01");
    await expect(page.getByLabel("По дату (для своих дат)")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("По дату (для своих дат)")).toBeFocused();
    // The rest of the page shows the month so far.
    await expect(page.locator("tr[data-ind=registered]")).toHaveCount(1);
    await page.getByLabel("По дату (для своих дат)").fill("2026-03-31");
    await page.getByRole("button", { name: "Показать" }).click();
    await ready(page, info);
    await expect(page.locator(".period-nav strong")).toHaveText("10.03.2026 — 31.03.2026");
    await expect(page.getByRole("alert")).toHaveCount(0);
  });

  test("the meeting view prints without the site's navigation", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto("/reports");
    await ready(page, info);
    await page.getByRole("link", { name: "Вид для оперативного совещания" }).click();
    await ready(page, info);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Оперативное совещание");
    await expect(page.getByRole("heading", { name: /Просроченные обращения/ })).toBeVisible();
    // The print button works with JavaScript; without it the page says how to print.
    if (jsOn(info)) {
      await expect(page.getByRole("button", { name: "Печать" })).toBeVisible();
    } else {
      await expect(page.getByRole("button", { name: "Печать" })).toBeHidden();
      await expect(page.getByText("Для печати нажмите Ctrl+P")).toBeVisible();
    }
    await page.emulateMedia({ media: "print" });
    await expect(page.locator("header.top")).toBeHidden();
    await expect(page.getByRole("button", { name: "Печать" })).toBeHidden();
    await expect(page.locator("[data-tile=open]")).toBeVisible();
  });

  test("proposals are written and kept with the period", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto("/reports");
    await ready(page, info);
    const text = `Перевести выдачу ключей на предварительную запись (${info.project.name})`;
    await page.getByRole("textbox", { name: "Предложения по оптимизации" }).fill(text);
    await page.getByRole("button", { name: "Сохранить" }).click();
    if (jsOn(info)) {
      await expect(page.getByRole("status").filter({ hasText: "Предложения сохранены." })).toBeVisible();
    }
    await page.goto("/reports");
    await ready(page, info);
    await expect(page.getByRole("textbox", { name: "Предложения по оптимизации" })).toHaveValue(text);
  });

  async function download(page: Page, info: TestInfo, format: string): Promise<Buffer> {
    const link = page.locator(`a[data-format=${format}]`);
    if (jsOn(info)) {
      // Prepared in the background with progress, then offered for download.
      await link.click();
      const ready = page.locator("a[data-ready]");
      await expect(ready).toBeVisible({ timeout: 30_000 });
      await expect(ready).toContainText(format.toUpperCase());
      const [file] = await Promise.all([page.waitForEvent("download"), ready.click()]);
      expect(file.suggestedFilename()).toMatch(new RegExp(`^otchet-it-.*\\.${format}$`));
      return readFileSync((await file.path()) ?? "");
    }
    const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(file.suggestedFilename()).toMatch(new RegExp(`^otchet-it-.*\\.${format}$`));
    return readFileSync((await file.path()) ?? "");
  }

  test("the report downloads as XLSX, PDF and CSV", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto("/reports");
    await ready(page, info);
    const xlsx = await download(page, info, "xlsx");
    expect(xlsx.subarray(0, 2).toString()).toBe("PK");
    const pdf = await download(page, info, "pdf");
    expect(pdf.subarray(0, 4).toString()).toBe("%PDF");
    const csv = await download(page, info, "csv");
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString("utf8")).toContain(subject());
  });

  test("an executor is told the page is for heads", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto("/reports");
    await ready(page, info);
    await expect(page.getByText("Нагрузка и отчёты доступны начальникам подразделений и администратору.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Нагрузка и отчёты" })).toHaveCount(0);
  });
});
