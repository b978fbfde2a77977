import { expect, test } from "@playwright/test";
import { ready, signIn } from "./helpers";

test("the administrator sees the month grid, changes a day and imports a year", async ({ page }, info) => {
  await signIn(page, info, "admin");
  await page.goto("/admin/calendar?year=2025&month=12");
  await ready(page, info);
  await expect(page.locator('td[data-date="2025-12-31"]')).toHaveClass(/off/);
  await expect(page.locator('td[data-date="2025-12-30"]')).toHaveClass(/work/);
  await expect(page.locator('td[data-date="2025-12-06"]')).toHaveClass(/off/);

  await page.getByLabel("Дата").fill("2025-12-29");
  await page.getByLabel("Какой это день").selectOption("holiday");
  await page.getByLabel("Название (необязательно)").fill("День проверки");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator('td[data-date="2025-12-29"]')).toHaveClass(/off/);
  await expect(page.locator('td[data-date="2025-12-29"]')).toContainText("День проверки");
  await page.getByLabel("Дата").fill("2025-12-29");
  await page.getByLabel("Какой это день").selectOption("default");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator('td[data-date="2025-12-29"]')).toHaveClass(/work/);

  const year = info.project.name === "js" ? 2030 : 2031;
  const xml = `<?xml version="1.0"?><calendar year="${year}"><holidays><holiday id="1" title="Новогодние каникулы"/></holidays>
    <days><day d="01.01" t="1" h="1"/><day d="01.02" t="1" h="1"/></days></calendar>`;
  await page.getByLabel("Загрузить год из файла").setInputFiles({ name: "calendar.xml", mimeType: "text/xml", buffer: Buffer.from(xml) });
  await page.getByRole("button", { name: "Загрузить", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Календарь загружен.");
  await expect(page.locator(`td[data-date="${year}-01-02"]`)).toHaveClass(/off/);
  await expect(page.locator(`td[data-date="${year}-01-02"]`)).toContainText("Новогодние каникулы");

  // A wrong file is named by the line of its first mistake.
  const wrong = `<calendar year="${year}">\n<days>\n<day d="01.01" t="1"/>\n<day d="02.31" t="1"/>\n</days></calendar>`;
  await page.getByLabel("Загрузить год из файла").setInputFiles({ name: "wrong.xml", mimeType: "text/xml", buffer: Buffer.from(wrong) });
  await page.getByRole("button", { name: "Загрузить", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Файл не подходит по формату: ошибка в строке 4.");
});

test("only the administrator may open the calendar", async ({ page }, info) => {
  await signIn(page, info, "smirnov");
  await page.goto("/admin/calendar");
  await ready(page, info);
  await expect(page.getByRole("alert")).toContainText("нет доступа");
});
