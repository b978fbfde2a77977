import { expect, test } from "@playwright/test";
import { jsOn, ready, signIn } from "./helpers";

// The e2e server's clock starts at 12.12.2025 11:00 Moscow time (scripts/e2e.sh):
// day 30 of a written request is Sunday 11.01.2026, inside the New Year
// holidays, and 31.12.2025 is a transferred day off, so the answer is due on
// Tuesday 30.12.2025 at 18:00.
test.describe.serial("deadlines of a written request", () => {
  let requestUrl = "";

  test("the form previews the due date and the request shows it with its explanation", async ({ page }, info) => {
    await signIn(page, info, "ivanova");
    await page.goto("/requests/new?kind=esign_key");
    await ready(page, info);
    await expect(page.locator("#due-preview")).toContainText("30.12.2025 18:00");
    await page.getByLabel("Тема").fill(`Срок по правилам (${info.project.name})`);
    await page.getByLabel("Для какой системы нужен ключ").selectOption("budget");
    await page.getByLabel("Что нужно сделать").selectOption("new");
    await page.getByLabel("Владелец ключа (фамилия, имя, отчество)").fill("Иванова Анна Сергеевна");
    await page.getByRole("button", { name: "Отправить обращение" }).click();
    await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
    requestUrl = new URL(page.url()).pathname;
    const due = page.locator("[data-due]");
    await expect(due).toContainText("30.12.2025 18:00");
    await expect(due).toContainText(
      "30-й день — 11.01.2026, нерабочий день; срок — предшествующий рабочий день, 30.12.2025",
    );
    // The acknowledgement of receipt is in the bell.
    await page.getByRole("link", { name: /Уведомления/ }).click();
    await ready(page, info);
    await expect(page.locator(".notice").first()).toContainText("Срок ответа — 30.12.2025");
  });

  test("the unit head extends the term once, with a reason", async ({ page }, info) => {
    await signIn(page, info, "kuznetsova");
    await page.goto(requestUrl);
    await ready(page, info);
    await page.getByText("Продлить срок ответа", { exact: true }).click();
    await page.getByLabel("На сколько дней (от 1 до 30)").fill("10");
    await page.getByLabel("Причина").first().fill("Ждём ответа удостоверяющего центра");
    await page.getByRole("button", { name: "Продлить срок" }).click();
    await expect(page.locator("[data-due]")).toContainText("21.01.2026 18:00");
    await expect(page.locator("[data-due]")).toContainText("40-й день (30 + продление на 10)");
    await expect(page.getByText("Продлить срок ответа")).toHaveCount(0);
  });

  test("the executor gives the final answer with an outcome", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto(requestUrl);
    await ready(page, info);
    await page.getByText("Окончательный ответ", { exact: true }).click();
    await page.locator("#f-answer").fill("Ключ выпущен, получите его в кабинете 305");
    await page.getByRole("button", { name: "Отправить окончательный ответ" }).click();
    // Refused for want of an outcome: the summary names the field, the text
    // typed stays, and the outcome has focus (JavaScript on and off).
    await expect(page.locator("#form-error")).toContainText("Итог: Заполните это поле.");
    await expect(page.locator("#f-answer")).toHaveValue("Ключ выпущен, получите его в кабинете 305");
    await expect(page.locator("#e-outcome")).toBeVisible();
    await expect(page.locator("#outcome-solved")).toBeFocused();
    expect(page.url()).not.toContain("305");
    await page.getByLabel("Решено", { exact: true }).check();
    await page.getByRole("button", { name: "Отправить окончательный ответ" }).click();
    await expect(page.locator("[data-status]")).toHaveText("Дан ответ");
    await expect(page.locator("[data-outcome]")).toHaveText("Решено");
    await expect(page.locator(".comment").last()).toContainText("Исполнитель: Смирнов Дмитрий Олегович");
  });
});

test("staff see the oral term in the preview as they choose the form", async ({ page }, info) => {
  test.skip(!jsOn(info), "the live preview needs JavaScript; without it the server-rendered preview stands");
  await signIn(page, info, "smirnov");
  await page.goto("/queue/register?kind=workstation");
  await ready(page, info);
  await page.getByLabel("Канал поступления").selectOption("memo");
  await expect(page.locator("#due-preview")).toContainText("30.12.2025 18:00");
  await page.getByLabel("Форма обращения").selectOption("oral");
  await expect(page.locator("#due-preview")).toContainText("12.12.2025 18:00");
  await expect(page.locator("#due-preview")).toContainText("Устное обращение");
});

test("a request is transferred at most twice", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=other");
  await ready(page, info);
  await page.getByLabel("Тема").fill(`Куда обратиться (${info.project.name})`);
  await page.getByLabel("О чём вопрос").selectOption("computers");
  await page.getByRole("button", { name: "Отправить обращение" }).click();
  await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
  const url = new URL(page.url()).pathname;
  const number = await page.locator("h1 .number").textContent();

  for (const [who, to] of [["smirnov", "AHO"], ["popov", "IT"]]) {
    await signIn(page, info, who);
    await page.goto(url);
    await ready(page, info);
    await page.getByText("Передать в другое подразделение", { exact: true }).click();
    await page.getByLabel("Подразделение", { exact: true }).selectOption(to);
    await page.locator("#f-transfer-reason").fill("Вопрос другого подразделения");
    await page.getByRole("button", { name: "Передать" }).click();
    await expect(page).toHaveURL(/\/queue/);
  }
  await signIn(page, info, "smirnov");
  await page.goto(url);
  await ready(page, info);
  await expect(page.locator("h1 .number")).toHaveText(number ?? "");
  await expect(page.locator("[data-unit]")).toHaveText("Отдел информационных технологий");
  await expect(page.getByText("Передать в другое подразделение")).toHaveCount(0);
  await expect(page.locator(".timeline")).toContainText("Передано в другое подразделение");
});
